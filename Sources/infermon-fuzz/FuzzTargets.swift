import Alerting
import Collectors
import Dashboard
import InfermonConfig
import InfermonCore
import Query
import Scrape
import Templates

/// One parser that takes bytes from outside, called the way the daemon calls it.
/// Thrown errors are the parser doing its job and are ignored; only a trap, a
/// sanitizer report, a leak or a hang is a finding.
struct FuzzTarget: Sendable {
    var name: String
    /// Where these bytes come from in the daemon; `list` prints it.
    var feeds: String
    var run: @Sendable (UnsafeBufferPointer<UInt8>) -> Void
}

enum FuzzTargets {
    /// A fixed "now", so that a replayed input behaves the same on any day
    /// (2027-01-15T08:00:00Z, in milliseconds).
    static let now: Timestamp = 1_800_000_000_000

    static let all: [FuzzTarget] = [
        profile(.native),
        profile(.openai),
        profile(.otelGenAI),
        profile(.litellm),
        FuzzTarget(
            name: "push",
            feeds: "POST /api/v1/events body (JSON lines or a JSON array), native profile: PushDecoder.decode"
        ) { bytes in
            _ = try? PushDecoder.decode(
                body: Array(bytes), profile: ProfileKind.native.makeProfile(), source: "http",
                location: "POST /api/v1/events", now: now, timestamps: TimestampPolicy())
        },
        otlp(name: "otlp-json", contentType: "application/json"),
        otlp(name: "otlp-protobuf", contentType: "application/x-protobuf"),
        FuzzTarget(
            name: "exposition",
            feeds: "a scrape response body, as Prometheus text and as OpenMetrics: ExpositionParser.parse"
        ) { bytes in
            let body = Array(bytes)
            _ = try? ExpositionParser.parse(body, format: .prometheusText)
            _ = try? ExpositionParser.parse(body, format: .openMetrics)
        },
        FuzzTarget(
            name: "promql",
            feeds: "a query (HTTP API, CLI, rule and dashboard expressions): PromQL.parse, then its description"
        ) { bytes in
            // Query parameters reach the parser as text whatever their bytes.
            if let expression = try? PromQL.parse(String(decoding: bytes, as: UTF8.self)) {
                _ = expression.description
            }
        },
        FuzzTarget(
            name: "rules",
            feeds: "a rule file as the daemon loads it (extensions on): RuleFileParser.parse"
        ) { bytes in
            guard let text = String(validating: bytes, as: UTF8.self) else { return }
            _ = RuleFileParser.parse(
                text, file: "fuzz.rules.yaml", options: RuleFileParser.Options(allowExtensions: true))
        },
        FuzzTarget(
            name: "config",
            feeds: "a configuration file: ConfigurationLoader.load(text:file:)"
        ) { bytes in
            guard let text = String(validating: bytes, as: UTF8.self) else { return }
            _ = try? ConfigurationLoader.load(
                text: text, file: "infermon.yaml")
        },
        FuzzTarget(
            name: "dashboard",
            feeds: "a dashboard file: DashboardParser.parse"
        ) { bytes in
            guard let text = String(validating: bytes, as: UTF8.self) else { return }
            _ = try? DashboardParser.parse(text, file: "dashboards/fuzz.yaml")
        },
        FuzzTarget(
            name: "template",
            feeds: "an alert label or annotation template: AlertTemplate, then expand against a fixed alert"
        ) { bytes in
            guard let text = String(validating: bytes, as: UTF8.self),
                let template = try? AlertTemplate(text, ruleName: "FuzzAlert")
            else { return }
            _ = template.expand(
                labels: alertLabels, externalLabels: ["cluster": "prod"],
                externalURL: "http://infermon.example:9464", value: 0.9731, query: query)
        },
    ]

    static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }

    static var names: String { all.map(\.name).joined(separator: ", ") }

    private static func profile(_ kind: ProfileKind) -> FuzzTarget {
        let profile = kind.makeProfile()
        return FuzzTarget(
            name: kind.rawValue,
            feeds: "one line of a tailed file with profile \(kind.rawValue): EventProfile.decode"
        ) { bytes in
            _ = try? profile.decode(bytes)
        }
    }

    private static func otlp(name: String, contentType: String) -> FuzzTarget {
        FuzzTarget(
            name: name,
            feeds: "POST /v1/traces body, Content-Type \(contentType): OTLPTraceDecoder.decode"
        ) { bytes in
            _ = try? OTLPTraceDecoder.decode(
                body: Array(bytes), contentType: contentType, timestamps: TimestampPolicy(), now: now)
        }
    }

    private static let alertLabels = [
        "alertname": "FuzzAlert", "model": "gpt-4o", "tenant": "acme", "instance": "localhost:9464",
        "severity": "page",
    ]

    /// Stands in for the store: the expression must parse, as it must for the
    /// engine, and the answer is a fixed vector for the template to walk.
    private static let query: @Sendable (String) throws -> [QuerySample] = { expression in
        _ = try PromQL.parse(expression)
        return [
            QuerySample(labels: ["__name__": "infermon_requests_total", "model": "gpt-4o"], value: 1532),
            QuerySample(labels: ["__name__": "infermon_requests_total", "model": "claude-3-5-sonnet"], value: 0.25),
        ]
    }
}
