import InfermonCore
import Templates

/// An alert as promtool compares and prints it: labels and annotations,
/// each sorted by name, ordered as Prometheus's `labels.Compare` orders them.
struct PromtoolAlert: Comparable {
    var labels: [(name: String, value: String)]
    var annotations: [(name: String, value: String)]

    init(_ alert: AlertInstance) {
        labels = alert.labels.pairs.map { ($0.name, $0.value) }
        annotations = alert.annotations.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    init(_ expected: RuleTestFile.ExpectedAlert, alertname: String) {
        var labels = expected.labels
        labels["alertname"] = alertname
        self.labels = labels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        annotations = expected.annotations.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    static func == (lhs: PromtoolAlert, rhs: PromtoolAlert) -> Bool {
        lhs.labels.elementsEqual(rhs.labels, by: ==) && lhs.annotations.elementsEqual(rhs.annotations, by: ==)
    }

    static func < (lhs: PromtoolAlert, rhs: PromtoolAlert) -> Bool {
        let byLabels = compare(lhs.labels, rhs.labels)
        return byLabels != 0 ? byLabels < 0 : compare(lhs.annotations, rhs.annotations) < 0
    }

    private static func compare(_ a: [(name: String, value: String)], _ b: [(name: String, value: String)]) -> Int {
        for (left, right) in zip(a, b) {
            if left.name != right.name { return left.name < right.name ? -1 : 1 }
            if left.value != right.value { return left.value < right.value ? -1 : 1 }
        }
        return a.count - b.count
    }

    /// Prometheus's `labels.Labels.String()`: `{a="1", b="2"}` with Go quoting.
    static func text(_ pairs: [(name: String, value: String)]) -> String {
        "{" + pairs.map { "\($0.name)=\(GoPrintf.quote($0.value))" }.joined(separator: ", ") + "}"
    }

    var text: String { "Labels:" + Self.text(labels) + "\nAnnotations:" + Self.text(annotations) }

    /// promtool's listing of alerts, indented as in its failure messages.
    static func list(_ alerts: [PromtoolAlert]) -> String {
        guard !alerts.isEmpty else { return "[]" }
        var out = "[\n0:" + indent("\n" + alerts[0].text, "  ")
        for (index, alert) in alerts.dropFirst().enumerated() {
            out += ",\n\(index + 1):" + indent("\n" + alert.text, "  ")
        }
        out += "\n]"
        return indent(out, "            ")
    }

    /// Prefixes every line but the first.
    static func indent(_ text: String, _ prefix: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { index, line in
            index == 0 ? String(line) : prefix + line
        }.joined(separator: "\n")
    }
}

/// A sample as promtool compares and prints it.
struct PromtoolSample: Equatable {
    var labels: Labels
    var value: Double

    static func list(_ samples: [PromtoolSample]) -> String {
        guard !samples.isEmpty else { return "nil" }
        return samples.map {
            PromtoolAlert.text($0.labels.pairs.map { ($0.name, $0.value) }) + " "
                + GoFloat.shortest($0.value, verb: "E")
        }.joined(separator: ", ")
    }
}

/// Go's `time.Duration.String()`: `1m0s`, `1h30m0s`, `1.5s`, `250ms`, `0s`.
enum GoDuration {
    static func format(_ millis: Int64) -> String {
        if millis == 0 { return "0s" }
        let negative = millis < 0
        var rest = millis.magnitude
        var out = ""
        if rest < 1000 {
            out = "\(rest)ms"
        } else {
            let hours = rest / 3_600_000
            rest %= 3_600_000
            let minutes = rest / 60_000
            rest %= 60_000
            var seconds = String(rest / 1000)
            if rest % 1000 != 0 {
                var fraction = String(rest % 1000)
                fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
                while fraction.hasSuffix("0") { fraction.removeLast() }
                seconds += "." + fraction
            }
            if hours > 0 { out += "\(hours)h" }
            if hours > 0 || minutes > 0 { out += "\(minutes)m" }
            out += seconds + "s"
        }
        return negative ? "-" + out : out
    }
}
