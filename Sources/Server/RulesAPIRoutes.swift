public import Hummingbird
public import InfermonCore
import Query

/// `/api/v1/rules` and `/api/v1/alerts` in Prometheus 2.42's JSON, key for key
/// and in its order, so Grafana's alert list, `promtool`-based scripts and
/// anything else written against Prometheus read infermon's rules unchanged.
public struct RulesAPIRoutes: HTTPRouteModule {
    let provider: any RuleStatusProvider

    public init(provider: any RuleStatusProvider) { self.provider = provider }

    public func register(on router: Router<BasicRequestContext>) {
        router.get("/api/v1/rules") { request, _ in
            let kind = request.uri.queryParameters.get("type")
            guard kind == nil || kind == "" || kind == "alert" || kind == "record" else {
                return APIResponse.error(
                    status: .badRequest, type: "bad_data",
                    message: "invalid parameter \"type\": not supported value \"\(kind!)\"")
            }
            let groups = await provider.ruleGroups()
            return APIResponse.json(RulesJSON.rules(groups, only: kind.flatMap { $0.isEmpty ? nil : $0 }))
        }
        router.get("/api/v1/alerts") { _, _ in
            APIResponse.json(RulesJSON.alerts(await provider.ruleGroups()))
        }
    }
}

/// The encoding, separate from routing so tests can compare it with Prometheus's.
public enum RulesJSON {
    public static func rules(_ groups: [RuleGroupStatus], only kind: String? = nil) -> String {
        var out = #"{"status":"success","data":{"groups":["#
        var first = true
        for group in groups {
            let rules = group.rules.filter { rule in
                kind == nil || (kind == "alert" && rule.kind == .alerting)
                    || (kind == "record" && rule.kind == .recording)
            }
            // Prometheus leaves out groups that have no rule of the asked type.
            if kind != nil && rules.isEmpty { continue }
            if !first { out += "," }
            first = false
            out += #"{"name":"# + string(group.name) + #","file":"# + string(group.file) + #","rules":["#
            out += rules.map(rule).joined(separator: ",")
            out += #"],"interval":"# + number(Double(group.interval) / 1000) + #","limit":\#(group.limit)"#
            out += #","evaluationTime":"# + number(group.evaluationTime)
            out += #","lastEvaluation":"# + string(time(group.lastEvaluation)) + "}"
        }
        return out + "]}}"
    }

    public static func alerts(_ groups: [RuleGroupStatus]) -> String {
        let alerts = groups.flatMap { $0.rules.filter { $0.kind == .alerting }.flatMap(\.alerts) }
        return #"{"status":"success","data":{"alerts":["# + alerts.map(alert).joined(separator: ",") + "]}}"
    }

    static func rule(_ rule: RuleStatus) -> String {
        var out = "{"
        if rule.kind == .alerting {
            out += #""state":"# + string(rule.state) + ","
        }
        out += #""name":"# + string(rule.name) + #","query":"# + string(rule.query)
        if rule.kind == .alerting {
            out += #","duration":"# + number(Double(rule.duration) / 1000)
            out += #","keepFiringFor":"# + number(Double(rule.keepFiringFor) / 1000)
            out += #","labels":"# + object(rule.labels) + #","annotations":"# + object(rule.annotations)
            out += #","alerts":["# + rule.alerts.map(alert).joined(separator: ",") + "]"
        } else if !rule.labels.isEmpty {
            out += #","labels":"# + object(rule.labels)
        }
        out += #","health":"# + string(rule.health.rawValue)
        if let error = rule.lastError, !error.isEmpty { out += #","lastError":"# + string(error) }
        out += #","evaluationTime":"# + number(rule.evaluationTime)
        out += #","lastEvaluation":"# + string(time(rule.lastEvaluation))
        out += #","type":"# + string(rule.kind == .alerting ? "alerting" : "recording") + "}"
        return out
    }

    static func alert(_ alert: ActiveAlertStatus) -> String {
        #"{"labels":"# + object(alert.labels.dictionary) + #","annotations":"# + object(alert.annotations)
            + #","state":"# + string(alert.state) + #","activeAt":"# + string(time(alert.activeAt))
            + #","value":"# + string(exponentNumber(alert.value)) + "}"
    }

    static func object(_ map: [String: String]) -> String {
        "{" + map.keys.sorted().map { string($0) + ":" + string(map[$0]!) }.joined(separator: ",") + "}"
    }

    /// A JSON string escaped as Go's encoding/json escapes it (`<`, `>` and `&` too).
    static func string(_ text: String) -> String {
        var out = ""
        writeJSONString(text, to: &out, escapingHTML: true)
        return out
    }

    /// Go's encoding/json for a float64: shortest digits, no exponent between 1e-6 and 1e21.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let magnitude = Swift.abs(value)
        if magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21) {
            // Go writes e-07 as e-7 here.
            var text = exponentNumber(value)
            if let marker = text.firstIndex(of: "e"), text[text.index(after: marker)...].hasPrefix("-0") {
                text.remove(at: text.index(marker, offsetBy: 2))
            }
            return text
        }
        return formatPrometheusFloat(value)
    }

    /// `strconv.FormatFloat(v, 'e', -1, 64)`: `1e+00`, `2.5e-01`, as the alerts' `value`.
    static func exponentNumber(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        var text = "\(Swift.abs(value))"
        var exponent = 0
        if let marker = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: marker)...]) ?? 0
            text = String(text[..<marker])
        }
        let integerDigits = text.firstIndex(of: ".").map { text.distance(from: text.startIndex, to: $0) } ?? text.count
        var digits = text.filter { $0 != "." }
        var point = integerDigits + exponent
        while digits.count > 1, digits.first == "0" {
            digits.removeFirst()
            point -= 1
        }
        while digits.count > 1, digits.last == "0" { digits.removeLast() }
        let power = digits == "0" ? 0 : point - 1
        var out = value.sign == .minus ? "-" : ""
        out += String(digits.first!)
        if digits.count > 1 { out += "." + digits.dropFirst() }
        let powerText = String(Swift.abs(power))
        return out + "e" + (power < 0 ? "-" : "+") + (powerText.count < 2 ? "0" + powerText : powerText)
    }

    /// RFC 3339 with as many fraction digits as needed, as Go prints times;
    /// Go's zero time for "never".
    static func time(_ millis: Timestamp?) -> String {
        millis.map(TimeParsing.formatGoRFC3339) ?? "0001-01-01T00:00:00Z"
    }
}
