import Foundation
public import InfermonCore

/// Checks a Grafana dashboard JSON meant for infermon's Prometheus API: every
/// panel target's `expr` must parse with infermon's PromQL once Grafana's own
/// variables are replaced as Grafana would replace them client-side
/// (`$__range`, `$__interval`, `$__rate_interval`, and the dashboard's
/// template variables at their current value). Errors point at the `expr`
/// member in the file.
public enum GrafanaDashboard {
    public struct Target: Sendable, Hashable {
        public var panel: String
        public var expression: String
        public var location: SourceLocation
    }

    /// The queries of a dashboard, nested rows included, with their positions.
    public static func targets(_ text: String, file: String) throws -> (variables: [String: String], [Target]) {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        } catch {
            throw InfermonError.invalidInput(
                "not valid JSON: \(error)", at: SourceLocation(file: file, line: 1, column: 1))
        }
        guard let root = object as? [String: Any], let panels = root["panels"] as? [[String: Any]] else {
            throw InfermonError.invalidInput(
                "a Grafana dashboard needs a panels list", at: SourceLocation(file: file, line: 1, column: 1))
        }
        var variables: [String: String] = [:]
        let templating = (root["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
        for variable in templating {
            guard let name = variable["name"] as? String else { continue }
            let current = (variable["current"] as? [String: Any])?["value"]
            let value = (current as? String) ?? (current as? [String])?.first ?? (variable["query"] as? String) ?? ".+"
            // Grafana's "All" for a regex-matched variable is `.*`-like; `$__all` is not PromQL.
            variables[name] = value == "$__all" ? ".+" : value
        }
        var found: [Target] = []
        var searchFrom = text.startIndex
        func collect(_ panels: [[String: Any]]) {
            for panel in panels {
                let title = panel["title"] as? String ?? "?"
                for target in panel["targets"] as? [[String: Any]] ?? [] {
                    guard let expr = target["expr"] as? String else { continue }
                    let location = locate(expr, in: text, from: &searchFrom, file: file)
                    found.append(Target(panel: title, expression: expr, location: location))
                }
                if let nested = panel["panels"] as? [[String: Any]] { collect(nested) }
            }
        }
        collect(panels)
        return (variables, found)
    }

    /// Parses every target; returns how many there were.
    @discardableResult
    public static func check(_ text: String, file: String) throws -> Int {
        let (variables, targets) = try targets(text, file: file)
        guard !targets.isEmpty else {
            throw InfermonError.invalidInput("no panel has a query", at: SourceLocation(file: file, line: 1, column: 1))
        }
        var values = variables
        values["__range"] = "1h"
        values["__interval"] = "15s"
        values["__rate_interval"] = "1m"
        values["__range_s"] = "3600"
        let scope = VariableScope(values: values)
        for target in targets {
            try DashboardParser.validate(target.expression, at: target.location, scope: scope)
        }
        return targets.count
    }

    /// Where `"expr": "<the query, JSON-escaped>"` is in the text, found in
    /// document order, pointing at the first character of the query.
    private static func locate(_ expr: String, in text: String, from start: inout String.Index, file: String)
        -> SourceLocation
    {
        var escaped = ""
        writeJSONString(expr, to: &escaped)
        let searched = text[start...]
        guard let key = searched.firstRange(of: "\"expr\"") else {
            return SourceLocation(file: file, line: 1, column: 1)
        }
        let afterKey = text[key.upperBound...]
        let valueStart = afterKey.firstRange(of: escaped)?.lowerBound ?? key.lowerBound
        start = key.upperBound
        var line = 1
        var column = 1
        for character in text[..<valueStart] {
            if character == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        // Past the opening quote.
        return SourceLocation(file: file, line: line, column: column + 1)
    }
}
