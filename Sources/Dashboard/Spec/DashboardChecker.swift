import Foundation
public import InfermonCore

/// `infermon dashboards check`: every YAML dashboard and every Grafana JSON
/// dashboard, each query parsed. Returns one line per file.
public enum DashboardChecker {
    public struct Outcome: Sendable {
        public var file: String
        public var summary: String?
        public var error: InfermonError?
    }

    /// Without files: `dashboards/*.yaml` and `dashboards/grafana/*.json` under `root`.
    public static func defaultFiles(root: String = "dashboards") -> [String] {
        var files: [String] = []
        for (directory, suffixes) in [(root, [".yaml", ".yml"]), (root + "/grafana", [".json"])] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            files += names.filter { name in suffixes.contains { name.hasSuffix($0) } }.sorted().map {
                directory + "/" + $0
            }
        }
        return files
    }

    public static func check(_ files: [String]) -> [Outcome] {
        files.map { file in
            do {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw InfermonError.io("cannot read \(file)")
                }
                let text = String(decoding: data, as: UTF8.self)
                if file.hasSuffix(".json") {
                    let count = try GrafanaDashboard.check(text, file: file)
                    return Outcome(file: file, summary: "Grafana dashboard, \(count) queries")
                }
                let spec = try DashboardParser.parse(text, file: file)
                let queries = spec.panels.reduce(0) { $0 + $1.queries.count }
                return Outcome(file: file, summary: "\(spec.panels.count) panels, \(queries) queries")
            } catch let error as InfermonError {
                return Outcome(file: file, error: error)
            } catch {
                return Outcome(file: file, error: InfermonError.invalidInput("\(error)"))
            }
        }
    }
}
