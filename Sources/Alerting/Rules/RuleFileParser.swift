public import InfermonCore
import InfermonYAML
import Query
import Templates

/// Reads one Prometheus rule file and checks it as promtool 2.42 does:
/// unknown keys, empty and repeated group names, exactly one of `record` and
/// `alert`, parsable expressions, no `for`/`keep_firing_for`/annotations on
/// recording rules, valid metric, label and annotation names, and alert
/// templates that parse. Every problem is reported (not only the first), each
/// at its file:line:col, worded like promtool's.
public enum RuleFileParser {
    public struct Options: Sendable {
        /// Accept infermon's PromQL extensions (`sketch_quantile_over_time`). Off for
        /// `infermon rules check`, whose promise is that promtool accepts what it accepts.
        public var allowExtensions: Bool

        public init(allowExtensions: Bool = false) { self.allowExtensions = allowExtensions }
    }

    /// Functions Prometheus does not have.
    static let extensionFunctions: Set<String> = ["sketch_quantile_over_time"]

    public static func parse(_ text: String, file: String, options: Options = Options()) -> (
        groups: [RuleGroupDefinition], errors: [InfermonError]
    ) {
        let root: YAMLValue
        do {
            root = try YAMLValue.parse(text, file: file)
        } catch {
            return ([], [error as? InfermonError ?? .invalidInput("\(error)")])
        }
        if root.isNull { return ([], []) }
        var errors: [InfermonError] = []
        var groups: [RuleGroupDefinition] = []
        let positions = ScalarPositions(source: text)
        do {
            let top = try root.mapping(allowed: ["groups"])
            var names: Set<String> = []
            for groupValue in try top["groups"]?.sequence() ?? [] {
                if let group = parseGroup(
                    groupValue, names: &names, positions: positions, options: options, errors: &errors)
                {
                    groups.append(group)
                }
            }
        } catch {
            errors.append(error as? InfermonError ?? .invalidInput("\(error)"))
        }
        return (errors.isEmpty ? groups : [], errors)
    }

    private static func parseGroup(
        _ value: YAMLValue, names: inout Set<String>, positions: ScalarPositions, options: Options,
        errors: inout [InfermonError]
    ) -> RuleGroupDefinition? {
        do {
            let map = try value.mapping(allowed: ["name", "interval", "limit", "rules"])
            let name = try map["name"]?.string() ?? ""
            if name.isEmpty { errors.append(value.bare("Groupname must not be empty")) }
            if !names.insert(name).inserted {
                errors.append(value.bare("groupname: \"\(name)\" is repeated in the same file"))
            }
            var interval: Int64?
            if let intervalValue = map["interval"] {
                let millis = try duration(intervalValue)
                interval = millis > 0 ? millis : nil
            }
            let limit = try map["limit"]?.int(in: 0...Int.max) ?? 0
            var rules: [RuleDefinition] = []
            for (index, ruleValue) in (try map["rules"]?.sequence() ?? []).enumerated() {
                if let rule = parseRule(
                    ruleValue, group: name, index: index + 1, positions: positions, options: options, errors: &errors)
                {
                    rules.append(rule)
                }
            }
            return RuleGroupDefinition(
                name: name, file: value.file, interval: interval, limit: limit, rules: rules, location: value.location)
        } catch {
            errors.append(error as? InfermonError ?? .invalidInput("\(error)"))
            return nil
        }
    }

    /// A duration as Prometheus's `model.Duration` reads it.
    static func duration(_ value: YAMLValue) throws -> Int64 {
        let text = try value.string()
        guard let millis = PrometheusDuration.parse(text) else {
            throw value.bare("not a valid duration string: \"\(text)\"")
        }
        return millis
    }

    private static func parseRule(
        _ value: YAMLValue, group: String, index: Int, positions: ScalarPositions, options: Options,
        errors: inout [InfermonError]
    ) -> RuleDefinition? {
        let before = errors.count
        do {
            let map = try value.mapping(allowed: [
                "record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations",
            ])
            let record = try map["record"]?.string() ?? ""
            let alert = try map["alert"]?.string() ?? ""
            let name = alert.isEmpty ? record : alert
            let anchor = map["record"] ?? map["alert"] ?? value
            func report(_ message: String, at node: YAMLValue? = nil) {
                let location = (node ?? anchor).location
                errors.append(.invalidInput("group \"\(group)\", rule \(index), \"\(name)\": \(message)", at: location))
            }
            func report(_ message: String, location: SourceLocation) {
                errors.append(.invalidInput("group \"\(group)\", rule \(index), \"\(name)\": \(message)", at: location))
            }
            if !record.isEmpty && !alert.isEmpty { report("only one of 'record' and 'alert' must be set") }
            if record.isEmpty && alert.isEmpty { report("one of 'record' or 'alert' must be set", at: value) }

            var expression: Expression?
            let exprValue = map["expr"]
            let exprText = try exprValue?.string() ?? ""
            if exprText.isEmpty {
                report("field 'expr' must be set in rule", at: exprValue ?? value)
            } else if let exprValue {
                do {
                    let parsed = try PromQL.parse(exprText)
                    if !options.allowExtensions, let function = firstExtension(in: parsed) {
                        report(
                            "could not parse expression: \(function) is an infermon extension that promtool and "
                                + "Prometheus reject (infermon rules check --extensions allows it)", at: exprValue)
                    } else {
                        expression = parsed
                    }
                } catch let error as InfermonError {
                    let (location, message) = positions.relocate(error, in: exprValue)
                    report("could not parse expression: \(message)", location: location)
                }
            }
            let holdDuration = try map["for"].map(duration) ?? 0
            let keepFiringFor = try map["keep_firing_for"].map(duration) ?? 0
            let labelEntries = try map["labels"]?.entries() ?? []
            let annotationEntries = try map["annotations"]?.entries() ?? []
            if !record.isEmpty {
                if !annotationEntries.isEmpty { report("invalid field 'annotations' in recording rule") }
                if holdDuration != 0 { report("invalid field 'for' in recording rule") }
                if keepFiringFor != 0 { report("invalid field 'keep_firing_for' in recording rule") }
                if !PrometheusNames.isMetricName(record) { report("invalid recording rule name: \(record)") }
            }
            var labels: [(name: String, template: AlertTemplate)] = []
            for (key, entry) in labelEntries {
                if !PrometheusNames.isLabelName(key) || key == Labels.metricName {
                    report("invalid label name: \(key)", at: entry)
                }
                let text = entry.isNull ? "" : try entry.string()
                if let template = template(text, entry, kind: "label", key: key, rule: alert, report: report) {
                    labels.append((key, template))
                }
            }
            var annotations: [(name: String, template: AlertTemplate)] = []
            for (key, entry) in annotationEntries {
                if !PrometheusNames.isLabelName(key) { report("invalid annotation name: \(key)", at: entry) }
                let text = entry.isNull ? "" : try entry.string()
                if let template = template(text, entry, kind: "annotation", key: key, rule: alert, report: report) {
                    annotations.append((key, template))
                }
            }
            guard errors.count == before, let expression else { return nil }
            return RuleDefinition(
                kind: alert.isEmpty ? .recording : .alerting, name: name, expression: expression,
                holdDuration: holdDuration, keepFiringFor: keepFiringFor, labels: labels, annotations: annotations,
                location: anchor.location)

            func template(
                _ text: String, _ entry: YAMLValue, kind: String, key: String, rule: String,
                report: (String, SourceLocation) -> Void
            ) -> AlertTemplate? {
                // Recording rules' labels are plain values; only alerting rules are templated.
                if rule.isEmpty { return AlertTemplate(plain: text) }
                do {
                    return try AlertTemplate(text, ruleName: rule)
                } catch {
                    let location = positions.location(byteOffset: error.offset, in: text, value: entry)
                    report("\(kind) \"\(key)\": \(error.message)", location)
                    return nil
                }
            }
        } catch {
            errors.append(error as? InfermonError ?? .invalidInput("\(error)"))
            return nil
        }
    }

    /// The first infermon-only function an expression calls.
    static func firstExtension(in expression: Expression) -> String? {
        var found: String?
        expression.visit { node in
            if case .call(let call) = node, extensionFunctions.contains(call.function.name) {
                found = call.function.name
            }
        }
        return found
    }
}

extension YAMLValue {
    /// An error at this node without the dotted path prefix (promtool's wording has none).
    func bare(_ message: String) -> InfermonError { InfermonError.invalidInput(message, at: location) }
}

extension Expression {
    /// Calls `body` on this node and every node below it.
    func visit(_ body: (Expression) -> Void) {
        body(self)
        switch self {
        case .number, .string, .selector, .rangeSelector: break
        case .subquery(let subquery): subquery.expression.visit(body)
        case .call(let call): call.arguments.forEach { $0.visit(body) }
        case .aggregation(let aggregation):
            aggregation.expression.visit(body)
            aggregation.parameter?.visit(body)
        case .binary(let binary):
            binary.left.visit(body)
            binary.right.visit(body)
        case .negation(let inner), .parenthesized(let inner): inner.visit(body)
        }
    }
}
