import InfermonCore

/// PromQL text for an expression, in the canonical form Prometheus prints, so
/// that parsing the text again yields the same expression (rules API, errors).
extension Expression: CustomStringConvertible {
    public var description: String {
        switch self {
        case .number(let value): return formatPrometheusFloat(value)
        case .string(let text): return quoteString(text)
        case .selector(let selector): return selector.description
        case .rangeSelector(let selector, let range):
            var base = selector
            base.offset = 0
            return "\(base)[\(TimeParsing.formatDuration(range))]\(offsetText(selector.offset))"
        case .subquery(let subquery):
            let step = subquery.step.map(TimeParsing.formatDuration) ?? ""
            return "\(subquery.expression)[\(TimeParsing.formatDuration(subquery.range)):\(step)]"
                + offsetText(subquery.offset)
        case .call(let call):
            return "\(call.function.name)(\(call.arguments.map(\.description).joined(separator: ", ")))"
        case .aggregation(let aggregation): return aggregation.description
        case .binary(let binary): return binary.description
        case .negation(let inner): return "-\(inner)"
        case .parenthesized(let inner): return "(\(inner))"
        }
    }
}

func offsetText(_ offset: Int64) -> String {
    if offset == 0 { return "" }
    if offset < 0 { return " offset -\(TimeParsing.formatDuration(-offset))" }
    return " offset \(TimeParsing.formatDuration(offset))"
}

/// A double-quoted PromQL string with escapes.
func quoteString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\x" + (hex.count < 2 ? "0" : "") + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

extension VectorSelector: CustomStringConvertible {
    public var description: String {
        let name = metricName
        var rest = matchers
        if name != nil, let index = rest.firstIndex(where: { $0.name == Labels.metricName && $0.op == .equal }) {
            rest.remove(at: index)
        }
        var out = name ?? ""
        if !rest.isEmpty || name == nil {
            out +=
                "{" + rest.map { "\($0.name)\($0.op.rawValue)\(quoteString($0.value))" }.joined(separator: ", ") + "}"
        }
        return out + offsetText(offset)
    }
}

extension Aggregation: CustomStringConvertible {
    public var description: String {
        var out = op.rawValue
        switch grouping {
        case .by(let labels): out += " by (\(labels.joined(separator: ", "))) "
        case .without(let labels): out += " without (\(labels.joined(separator: ", "))) "
        case nil: break
        }
        if let parameter { return out + "(\(parameter), \(expression))" }
        return out + "(\(expression))"
    }
}

extension BinaryOperation: CustomStringConvertible {
    public var description: String {
        var modifiers = returnsBool ? " bool" : ""
        if let matching {
            if matching.on || !matching.labels.isEmpty {
                modifiers += " \(matching.on ? "on" : "ignoring")(\(matching.labels.joined(separator: ", ")))"
            }
            switch matching.cardinality {
            case .manyToOne: modifiers += " group_left(\(matching.include.joined(separator: ", ")))"
            case .oneToMany: modifiers += " group_right(\(matching.include.joined(separator: ", ")))"
            case .oneToOne, .manyToMany: break
            }
        }
        return "\(left) \(op.rawValue)\(modifiers) \(right)"
    }
}
