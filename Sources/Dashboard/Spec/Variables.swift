public import InfermonCore

/// Substitutes dashboard variables into queries, with Grafana's syntax so the
/// same query text works in both: `$name`, `${name}`, and the built-ins
/// `$__range` (the dashboard's time range), `$__interval` (the step between
/// points) and `$__rate_interval` (a safe window for `rate`: four steps, at
/// least one minute, as Grafana computes it for a 15 s scrape interval).
public struct VariableScope: Sendable, Hashable {
    public var values: [String: String]

    public init(values: [String: String] = [:]) { self.values = values }

    /// The dashboard's defaults, overridden by `--var k=v`, plus the built-ins.
    public init(spec: DashboardSpec, overrides: [String: String], range: Int64, step: Int64) {
        var values: [String: String] = [:]
        for variable in spec.variables { values[variable.name] = variable.defaultValue }
        for (name, value) in overrides { values[name] = value }
        values["__range"] = TimeParsing.formatDuration(max(1000, range / 1000 * 1000))
        values["__interval"] = TimeParsing.formatDuration(max(1000, step / 1000 * 1000))
        values["__rate_interval"] = TimeParsing.formatDuration(max(60_000, step * 4 / 1000 * 1000))
        self.values = values
    }

    /// The query with every known variable replaced; unknown ones are left,
    /// so the parser reports them where they are.
    public func substitute(_ text: String) -> String {
        guard text.contains("$") else { return text }
        var out = ""
        var scalars = text.unicodeScalars[...]
        while let first = scalars.first {
            guard first == "$" else {
                out.unicodeScalars.append(first)
                scalars = scalars.dropFirst()
                continue
            }
            let rest = scalars.dropFirst()
            if rest.first == "{", let close = rest.firstIndex(of: "}") {
                let name = String(String.UnicodeScalarView(rest[rest.index(after: rest.startIndex)..<close]))
                if let value = values[name] {
                    out += value
                    scalars = rest[rest.index(after: close)...]
                    continue
                }
            } else {
                let name = Self.name(at: rest)
                if !name.isEmpty, let value = values[name] {
                    out += value
                    scalars = rest.dropFirst(name.unicodeScalars.count)
                    continue
                }
            }
            out.unicodeScalars.append(first)
            scalars = rest
        }
        return out
    }

    /// Variable names a query refers to (without the `$`), in order of appearance.
    public static func references(in text: String) -> [String] {
        var names: [String] = []
        var scalars = text.unicodeScalars[...]
        while let dollar = scalars.firstIndex(of: "$") {
            let rest = scalars[scalars.index(after: dollar)...]
            if rest.first == "{", let close = rest.firstIndex(of: "}") {
                names.append(String(String.UnicodeScalarView(rest[rest.index(after: rest.startIndex)..<close])))
                scalars = rest[rest.index(after: close)...]
            } else {
                let name = Self.name(at: rest)
                if !name.isEmpty { names.append(name) }
                scalars = rest.dropFirst(max(1, name.unicodeScalars.count))
            }
        }
        return names
    }

    /// A variable name starting at `text`; empty when there is none (`$1` in a
    /// `label_replace` replacement and `$` ending a regex are not variables).
    static func name(at text: Substring.UnicodeScalarView) -> String {
        guard let first = text.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else {
            return ""
        }
        return String(String.UnicodeScalarView(text.prefix { isNameScalar($0) }))
    }

    static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || (scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)))
    }

    /// Built-ins every dashboard has.
    public static let builtins: Set<String> = ["__range", "__interval", "__rate_interval"]
}

/// Replaces `{{label}}` in a legend with the series' label values; an empty
/// legend names the series by its labels (`{model="a"}`), or by its name alone.
public func formatLegend(_ template: String, labels: Labels) -> String {
    guard !template.isEmpty else {
        let rest = labels.withoutName
        if rest.isEmpty { return labels.name ?? "value" }
        return rest.pairs.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
    }
    guard template.contains("{{") else { return template }
    var out = ""
    var rest = Substring(template)
    while let open = rest.firstRange(of: "{{") {
        out += rest[..<open.lowerBound]
        guard let close = rest[open.upperBound...].firstRange(of: "}}") else {
            out += rest[open.lowerBound...]
            return out
        }
        let name = rest[open.upperBound..<close.lowerBound].trimming(" ")
        out += labels[name] ?? ""
        rest = rest[close.upperBound...]
    }
    return out + rest
}
