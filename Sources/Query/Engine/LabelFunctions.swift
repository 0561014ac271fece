import InfermonCore

/// `label_replace` and `label_join`: label work done once per series, not per step.
extension Evaluation {
    func labelReplace(_ arguments: [Expression], _ grid: Grid) throws -> [StepSeries] {
        let series = try evaluateVector(arguments[0], grid)
        let destination = try evaluateString(arguments[1], grid)
        let replacement = try evaluateString(arguments[2], grid)
        let source = try evaluateString(arguments[3], grid)
        let pattern = try evaluateString(arguments[4], grid)
        let regex: Regex<AnyRegexOutput>
        do {
            regex = try Regex("^(?:" + pattern + ")$")
        } catch {
            throw EvaluationError.execution("invalid regular expression in label_replace(): \(pattern)")
        }
        guard PrometheusNames.isLabelName(destination) else {
            throw EvaluationError.execution("invalid destination label name in label_replace(): \(destination)")
        }
        var collector = SeriesCollector(count: grid.count)
        for var item in series {
            try checkDeadline()
            let value = item.labels[source] ?? ""
            if let match = try? regex.wholeMatch(in: value) {
                let expanded = expandTemplate(replacement, match.output)
                item.labels = item.labels.setting(destination, to: expanded)
            }
            try collector.add(item)
        }
        return collector.series
    }

    func labelJoin(_ arguments: [Expression], _ grid: Grid) throws -> [StepSeries] {
        let series = try evaluateVector(arguments[0], grid)
        let destination = try evaluateString(arguments[1], grid)
        let separator = try evaluateString(arguments[2], grid)
        let sources = try arguments.dropFirst(3).map { try evaluateString($0, grid) }
        guard PrometheusNames.isLabelName(destination) else {
            throw EvaluationError.execution("invalid destination label name in label_join(): \(destination)")
        }
        if let bad = sources.first(where: { !PrometheusNames.isLabelName($0) }) {
            throw EvaluationError.execution("invalid source label name in label_join(): \(bad)")
        }
        var collector = SeriesCollector(count: grid.count)
        for var item in series {
            let joined = sources.map { item.labels[$0] ?? "" }.joined(separator: separator)
            item.labels = item.labels.setting(destination, to: joined)
            try collector.add(item)
        }
        return collector.series
    }
}

/// Go's `Regexp.Expand`: `$1`, `${1}`, `$name`, `${name}` and `$$`. A name is the
/// longest run of letters, digits and `_`, so `$1x` names group "1x" (empty) as
/// in Prometheus; a malformed reference stays literal text.
func expandTemplate(_ template: String, _ groups: AnyRegexOutput) -> String {
    var out = ""
    var rest = Substring(template)
    while let dollar = rest.firstIndex(of: "$") {
        out += rest[..<dollar]
        rest = rest[rest.index(after: dollar)...]
        if rest.first == "$" {
            out += "$"
            rest = rest.dropFirst()
            continue
        }
        var body = rest
        let braced = body.first == "{"
        if braced { body = body.dropFirst() }
        let name = body.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
        var after = body.dropFirst(name.count)
        if name.isEmpty || (braced && after.first != "}") {
            out += "$"
            continue
        }
        if braced { after = after.dropFirst() }
        rest = after
        let isNumber = name.allSatisfy { $0.isASCII && $0.isNumber } && !(name.first == "0" && name.count > 1)
        if isNumber, let index = Int(name), index < groups.count, let text = groups[index].substring {
            out += text
        } else if !isNumber, let group = groups.first(where: { $0.name == String(name) }), let text = group.substring {
            out += text
        }
    }
    return out + rest
}
