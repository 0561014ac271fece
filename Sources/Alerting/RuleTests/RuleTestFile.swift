public import InfermonCore
import InfermonYAML

/// A rule unit-test file in promtool's format.
public struct RuleTestFile: Sendable {
    public struct InputSeries: Sendable {
        public var labels: Labels
        public var values: [Double?]
    }

    public struct ExpectedAlert: Sendable {
        public var labels: [String: String]
        public var annotations: [String: String]
    }

    public struct AlertTest: Sendable {
        public var evalTime: Int64
        public var alertname: String
        public var expected: [ExpectedAlert]
    }

    public struct ExpectedSample: Sendable {
        /// The series text as written, parsed when the test runs (promtool reports bad ones then).
        public var labels: String
        public var value: Double
    }

    public struct ExpressionTest: Sendable {
        public var expression: String
        public var evalTime: Int64
        public var expected: [ExpectedSample]
    }

    public struct TestGroup: Sendable {
        public var name: String
        public var interval: Int64
        public var inputSeries: [InputSeries]
        public var alertTests: [AlertTest]
        public var expressionTests: [ExpressionTest]
        public var externalLabels: Labels
        public var externalURL: String
    }

    public var file: String
    public var ruleFiles: [String]
    public var evaluationInterval: Int64
    public var groupEvalOrder: [String]
    public var tests: [TestGroup]

    /// Parses a test file; unknown keys are errors, as promtool's strict decoding makes them.
    public static func parse(_ text: String, file: String) throws -> RuleTestFile {
        let root = try YAMLValue.parse(text, file: file)
        let top = try root.mapping(allowed: ["rule_files", "evaluation_interval", "group_eval_order", "tests"])
        let interval = try top["evaluation_interval"].map(RuleFileParser.duration) ?? 0
        let tests = try (top["tests"]?.sequence() ?? []).map(parseGroup)
        return RuleTestFile(
            file: file, ruleFiles: try top["rule_files"]?.stringList() ?? [],
            evaluationInterval: interval == 0 ? 60_000 : interval,
            groupEvalOrder: try top["group_eval_order"]?.stringList() ?? [], tests: tests)
    }

    private static func parseGroup(_ value: YAMLValue) throws -> TestGroup {
        let map = try value.mapping(allowed: [
            "interval", "input_series", "alert_rule_test", "promql_expr_test", "external_labels", "external_url",
            "name",
        ])
        let series = try (map["input_series"]?.sequence() ?? []).map { item -> InputSeries in
            let fields = try item.mapping(allowed: ["series", "values"])
            let descriptor = try fields["series"]?.string() ?? ""
            let values = try fields["values"]?.string() ?? ""
            do {
                return InputSeries(
                    labels: try SeriesNotation.labels(descriptor), values: try SeriesNotation.expand(values))
            } catch let error as InfermonError {
                throw item.bare(error.message)
            }
        }
        let alerts = try (map["alert_rule_test"]?.sequence() ?? []).map { item -> AlertTest in
            let fields = try item.mapping(allowed: ["eval_time", "alertname", "exp_alerts"])
            let expected = try (fields["exp_alerts"]?.sequence() ?? []).map { alert -> ExpectedAlert in
                let parts = try alert.mapping(allowed: ["exp_labels", "exp_annotations"])
                return ExpectedAlert(
                    labels: try stringMap(parts["exp_labels"]), annotations: try stringMap(parts["exp_annotations"]))
            }
            return AlertTest(
                evalTime: try fields["eval_time"].map(RuleFileParser.duration) ?? 0,
                alertname: try fields["alertname"]?.string() ?? "", expected: expected)
        }
        let expressions = try (map["promql_expr_test"]?.sequence() ?? []).map { item -> ExpressionTest in
            let fields = try item.mapping(allowed: ["expr", "eval_time", "exp_samples"])
            let samples = try (fields["exp_samples"]?.sequence() ?? []).map { sample -> ExpectedSample in
                let parts = try sample.mapping(allowed: ["labels", "value"])
                return ExpectedSample(labels: try parts["labels"]?.string() ?? "", value: try number(parts["value"]))
            }
            return ExpressionTest(
                expression: try fields["expr"]?.string() ?? "",
                evalTime: try fields["eval_time"].map(RuleFileParser.duration) ?? 0, expected: samples)
        }
        return TestGroup(
            name: try map["name"]?.string() ?? "", interval: try map["interval"].map(RuleFileParser.duration) ?? 0,
            inputSeries: series, alertTests: alerts, expressionTests: expressions,
            externalLabels: Labels(try stringMap(map["external_labels"])),
            externalURL: try map["external_url"]?.string() ?? "")
    }

    private static func stringMap(_ value: YAMLValue?) throws -> [String: String] {
        guard let value else { return [:] }
        var map: [String: String] = [:]
        for (key, entry) in try value.entries() { map[key] = entry.isNull ? "" : try entry.string() }
        return map
    }

    /// A YAML float, including `.inf` and `.nan`.
    private static func number(_ value: YAMLValue?) throws -> Double {
        guard let value else { return 0 }
        let text = try value.string()
        switch text.lowercased() {
        case ".inf", "+.inf": return .infinity
        case "-.inf": return -.infinity
        case ".nan": return .nan
        default:
            guard let number = Double(text.filter { $0 != "_" }) else {
                throw value.bare("cannot unmarshal \(text) into a float")
            }
            return number
        }
    }
}
