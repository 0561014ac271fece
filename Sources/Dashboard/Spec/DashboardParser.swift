public import InfermonCore
import InfermonYAML
import Query

/// Reads a dashboard YAML file, refusing unknown keys and wrong types with
/// file:line:col, and parses every query (variables replaced by their
/// defaults) so a typo is caught by `infermon dashboards check`, not at 3am.
public enum DashboardParser {
    public static func parse(_ text: String, file: String) throws -> DashboardSpec {
        let root = try YAMLValue.parse(text, file: file)
        let map = try root.mapping(allowed: ["title", "variables", "rows"])
        let name = dashboardName(file: file)
        var spec = DashboardSpec(name: name, title: try map["title"]?.string() ?? name, file: file, rows: [])
        if let variables = map["variables"] {
            for (key, value) in try variables.entries() {
                guard VariableScope.references(in: "$" + key) == [key], !key.hasPrefix("__") else {
                    throw value.error("variable names are letters, digits and _, not starting with __")
                }
                spec.variables.append(.init(name: key, defaultValue: try value.string()))
            }
        }
        let rows = try map.required("rows").sequence()
        guard !rows.isEmpty else { throw root.error("a dashboard needs at least one row") }
        spec.rows = try rows.map(parseRow)
        try validateQueries(spec)
        return spec
    }

    /// `dashboards/overview.yaml` is the dashboard `overview`.
    public static func dashboardName(file: String) -> String {
        var base = Substring(file.split(separator: "/").last ?? Substring(file))
        for suffix in [".yaml", ".yml"] where base.hasSuffix(suffix) { base = base.dropLast(suffix.count) }
        return String(base)
    }

    private static func parseRow(_ value: YAMLValue) throws -> DashboardSpec.Row {
        let map = try value.mapping(allowed: ["height", "weight", "panels"])
        let panels = try map.required("panels").sequence()
        guard !panels.isEmpty else { throw value.error("a row needs at least one panel") }
        return DashboardSpec.Row(
            height: try map["height"]?.int(in: 3...200), weight: try map["weight"]?.int(in: 1...100) ?? 1,
            panels: try panels.map(parsePanel))
    }

    private static func parsePanel(_ value: YAMLValue) throws -> PanelSpec {
        let map = try value.mapping(allowed: [
            "title", "kind", "query", "queries", "legend", "unit", "thresholds", "min", "max", "width", "columns",
            "limit",
        ])
        let kindValue = try map.required("kind")
        guard let kind = PanelSpec.Kind(rawValue: try kindValue.string()) else {
            throw kindValue.error(
                "unknown panel kind; use one of \(PanelSpec.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var panel = PanelSpec(title: try map.required("title").string(), kind: kind, location: value.location)
        if let query = map["query"] {
            guard map["queries"] == nil else { throw query.error("use either query or queries, not both") }
            panel.queries = [try queryAt(query, legend: try map["legend"]?.string() ?? "")]
        } else if let queries = map["queries"] {
            panel.queries = try queries.sequence().map(parseQuery)
        }
        if kind == .alerts || kind == .notifications {
            if !panel.queries.isEmpty { throw value.error("\(kind.rawValue) panels take no queries") }
        } else if panel.queries.isEmpty {
            throw value.error("a \(kind.rawValue) panel needs a query")
        }
        if let unit = map["unit"] { panel.unit = ValueUnit(name: try unit.string()) }
        if let thresholds = map["thresholds"] { panel.thresholds = try parseThresholds(thresholds) }
        panel.min = try map["min"]?.double()
        panel.max = try map["max"]?.double()
        if let min = panel.min, let max = panel.max, min >= max {
            throw value.error("min must be below max")
        }
        panel.width = try map["width"]?.int(in: 1...100) ?? 1
        panel.columns = try map["columns"]?.stringList() ?? []
        panel.limit = try map["limit"]?.int(in: 1...1000) ?? 10
        return panel
    }

    private static func parseQuery(_ value: YAMLValue) throws -> QuerySpec {
        if value.isScalar { return try queryAt(value, legend: "") }
        let map = try value.mapping(allowed: ["expr", "legend"])
        return try queryAt(map.required("expr"), legend: try map["legend"]?.string() ?? "")
    }

    /// A query and where its text starts (inside the quotes of a quoted scalar).
    private static func queryAt(_ value: YAMLValue, legend: String) throws -> QuerySpec {
        var location = value.location
        switch value.scalarStyle {
        case .singleQuoted, .doubleQuoted: location.column += 1
        case .literal, .folded: location = SourceLocation(file: location.file, line: location.line + 1, column: 1)
        case .plain, nil: break
        }
        return QuerySpec(try value.string(), legend: legend, location: location)
    }

    private static func parseThresholds(_ value: YAMLValue) throws -> Thresholds {
        var base = TerminalColor.default
        var steps: [(value: Double, color: TerminalColor)] = []
        for item in try value.sequence() {
            let map = try item.mapping(allowed: ["value", "color"])
            let colorValue = try map.required("color")
            guard let color = TerminalColor.named(try colorValue.string()) else {
                throw colorValue.error("unknown colour; use one of \(TerminalColor.names.joined(separator: ", "))")
            }
            if let threshold = map["value"] {
                steps.append((try threshold.double(), color))
            } else {
                base = color
            }
        }
        return Thresholds(base: base, steps: steps)
    }

    /// Every query must parse with the variables at their defaults.
    static func validateQueries(_ spec: DashboardSpec) throws {
        let scope = VariableScope(spec: spec, overrides: [:], range: 3_600_000, step: 60_000)
        for panel in spec.panels {
            for query in panel.queries {
                try validate(query.expression, at: query.location, scope: scope)
            }
        }
    }

    /// Parses one query after substitution; errors point into the file.
    public static func validate(_ expression: String, at location: SourceLocation?, scope: VariableScope) throws {
        for name in VariableScope.references(in: expression) where scope.values[name] == nil {
            throw InfermonError.invalidInput("unknown variable $\(name)", at: location)
        }
        let substituted = scope.substitute(expression)
        if substituted == expression {
            _ = try PromQL.parse(expression, origin: location)
            return
        }
        // Positions inside the substituted text would not match the file: point at the query.
        do {
            _ = try PromQL.parse(substituted)
        } catch let error as InfermonError {
            throw InfermonError.invalidInput("\(error.message) (in \(substituted))", at: location)
        }
    }
}
