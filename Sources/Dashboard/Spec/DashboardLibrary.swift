import Foundation
import InfermonCore

/// Finds and loads dashboard files. `infermon dash` looks in `--dir`, else
/// `$INFERMON_DASHBOARDS`, else `./dashboards`, else the installed copies
/// (`/usr/share/infermon/dashboards`, `/etc/infermon/dashboards`), and shows
/// every `*.yaml` there, the overview first; where none is found (a binary
/// copied onto a host), the shipped dashboards built into it.
public enum DashboardLibrary {
    public static func searchPath(explicit: String?, environment: [String: String]) -> [String] {
        if let explicit { return [explicit] }
        var candidates: [String] = []
        if let fromEnvironment = environment["INFERMON_DASHBOARDS"], !fromEnvironment.isEmpty {
            candidates.append(fromEnvironment)
        }
        candidates += ["dashboards", "/usr/share/infermon/dashboards", "/etc/infermon/dashboards"]
        return candidates
    }

    /// The YAML files of the first directory in `path` that has any, overview first, then by name.
    public static func files(searching path: [String]) throws -> [String] {
        for directory in path {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { continue }
            let yaml = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted { a, b in
                if a.hasPrefix("overview.") != b.hasPrefix("overview.") { return a.hasPrefix("overview.") }
                return a < b
            }
            if !yaml.isEmpty { return yaml.map { directory + "/" + $0 } }
        }
        throw InfermonError.invalidArgument(
            "no dashboard files (*.yaml) in \(path.joined(separator: ", ")); pass --dir or --dashboard FILE")
    }

    /// The shipped dashboards built into the binary, overview first.
    public static func embedded() throws -> [DashboardSpec] {
        try EmbeddedDashboards.files.sorted { a, b in
            if a.name.hasPrefix("overview.") != b.name.hasPrefix("overview.") { return a.name.hasPrefix("overview.") }
            return a.name < b.name
        }.map { try DashboardParser.parse($0.text, file: "(built in)/\($0.name)") }
    }

    public static func load(_ file: String) throws -> DashboardSpec {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw InfermonError.io("cannot read \(file)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw InfermonError.invalidInput("not UTF-8", at: SourceLocation(file: file, line: 1, column: 1))
        }
        return try DashboardParser.parse(text, file: file)
    }

    /// Loads the dashboards to cycle through and the index to start at. `selection`
    /// is a name (`cost`) or a file path; a file brings the others in its directory along.
    public static func resolve(selection: String?, directory: String?, environment: [String: String]) throws
        -> (dashboards: [DashboardSpec], start: Int)
    {
        var path = searchPath(explicit: directory, environment: environment)
        var wanted = selection
        if let selection, selection.contains("/") || selection.hasSuffix(".yaml") || selection.hasSuffix(".yml") {
            guard FileManager.default.fileExists(atPath: selection) else {
                throw InfermonError.invalidArgument("no dashboard file \(selection)")
            }
            let parent = selection.contains("/") ? String(selection[..<selection.lastIndex(of: "/")!]) : "."
            path = [parent]
            wanted = DashboardParser.dashboardName(file: selection)
        }
        let dashboards: [DashboardSpec]
        do {
            dashboards = try files(searching: path).map(load)
        } catch  where directory == nil && selection == wanted {
            dashboards = try embedded()
        }
        guard let wanted else { return (dashboards, 0) }
        guard let index = dashboards.firstIndex(where: { $0.name == wanted }) else {
            throw InfermonError.invalidArgument(
                "no dashboard named \"\(wanted)\"; have \(dashboards.map(\.name).joined(separator: ", "))")
        }
        return (dashboards, index)
    }
}
