import InfermonCore

/// One element of a `query` result in a template, as Prometheus's template
/// `sample` type: labels (with `__name__`) and a value.
public struct QuerySample: Sendable, Hashable {
    public var labels: [String: String]
    public var value: Double

    public init(labels: [String: String], value: Double) {
        self.labels = labels
        self.value = value
    }
}

/// What the alert templates see as the dot: Prometheus's `AlertTemplateData`.
struct AlertTemplateData: Sendable {
    var labels: [String: String]
    var externalLabels: [String: String]
    var externalURL: String
    var value: Double
}

/// A value during template execution, tagged with the Go type it stands for,
/// because Go's template rules depend on types: `gt $value 1` fails (float64
/// against int), a missing map key prints as empty, a nil interface as `<no value>`.
indirect enum TemplateValue: Sendable {
    /// No value: a nil interface or an invalid reflect.Value.
    case missing
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    /// `template.HTML` from `safeHtml`.
    case html(String)
    /// `map[string]string` (labels).
    case stringMap([String: String])
    /// `map[string]interface{}` (from `args`).
    case anyMap([String: TemplateValue])
    /// `queryResult`: a vector from `query`.
    case samples([QuerySample])
    /// `*sample`; nil is a nil pointer.
    case sample(QuerySample?)
    /// `*time.Time` from `toTime`, in seconds since the epoch.
    case time(Double)
    case data(AlertTemplateData)

    /// Go's type name, for error messages.
    var typeName: String {
        switch self {
        case .missing: return "<nil>"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float64"
        case .string: return "string"
        case .html: return "template.HTML"
        case .stringMap: return "map[string]string"
        case .anyMap: return "map[string]interface {}"
        case .samples: return "template.queryResult"
        case .sample: return "*template.sample"
        case .time: return "*time.Time"
        case .data: return "template.AlertTemplateData"
        }
    }

    /// Go's truth: false, 0, nil and empty things are false.
    var isTrue: Bool {
        switch self {
        case .missing: return false
        case .bool(let value): return value
        case .int(let value): return value != 0
        case .float(let value): return value != 0
        case .string(let value), .html(let value): return !value.isEmpty
        case .stringMap(let map): return !map.isEmpty
        case .anyMap(let map): return !map.isEmpty
        case .samples(let samples): return !samples.isEmpty
        case .sample(let sample): return sample != nil
        case .time, .data: return true
        }
    }

    /// `fmt.Sprint` of the value, as an action prints it.
    var printed: String {
        switch self {
        case .missing: return "<no value>"
        default: return formatted(verbV: true)
        }
    }

    /// `%v` formatting (nil interfaces print `<nil>` here, as in fmt).
    func formatted(verbV: Bool = true) -> String {
        switch self {
        case .missing: return "<nil>"
        case .bool(let value): return value ? "true" : "false"
        case .int(let value): return String(value)
        case .float(let value): return GoFloat.shortest(value, verb: "g")
        case .string(let value), .html(let value): return value
        case .stringMap(let map):
            return "map[" + map.keys.sorted().map { "\($0):\(map[$0]!)" }.joined(separator: " ") + "]"
        case .anyMap(let map):
            return "map[" + map.keys.sorted().map { "\($0):\(map[$0]!.formatted())" }.joined(separator: " ") + "]"
        case .samples(let samples):
            // Go prints the pointers' addresses; there is nothing better to show.
            return "[" + samples.indices.map { _ in "0xc000000000" }.joined(separator: " ") + "]"
        case .sample(let sample):
            guard let sample else { return "<nil>" }
            return
                "&{\(TemplateValue.stringMap(sample.labels).formatted()) \(GoFloat.shortest(sample.value, verb: "g"))}"
        case .time(let seconds): return GoTime.string(seconds: seconds)
        case .data(let data):
            return "{\(TemplateValue.stringMap(data.labels).formatted()) "
                + "\(TemplateValue.stringMap(data.externalLabels).formatted()) \(data.externalURL) "
                + "\(GoFloat.shortest(data.value, verb: "g"))}"
        }
    }

    /// The basic kind Go's comparison functions use.
    enum Kind { case bool, int, float, string, other }

    var kind: Kind {
        switch self {
        case .bool: return .bool
        case .int: return .int
        case .float: return .float
        case .string, .html: return .string
        default: return .other
        }
    }
}

/// Go's `time.Time.String()` for UTC times, as `humanizeTimestamp` prints them.
enum GoTime {
    static func string(seconds: Double) -> String {
        // model.TimeFromUnixNano keeps milliseconds.
        let millis = goInt64(seconds * 1e9) / 1_000_000
        let text = TimeParsing.formatRFC3339(millis)  // 2023-11-14T22:13:20.5Z
        var body = String(text.dropLast())
        body = body.replacingFirst("T", with: " ")
        if let dot = body.firstIndex(of: ".") {
            var fraction = String(body[body.index(after: dot)...])
            while fraction.hasSuffix("0") { fraction.removeLast() }
            body = String(body[..<dot]) + (fraction.isEmpty ? "" : "." + fraction)
        }
        return body + " +0000 UTC"
    }
}

extension String {
    func replacingFirst(_ target: Character, with replacement: String) -> String {
        guard let index = firstIndex(of: target) else { return self }
        return String(self[..<index]) + replacement + String(self[self.index(after: index)...])
    }
}
