import Foundation
import InfermonCore
import Query

/// Runs a query through a daemon's Prometheus API and turns the JSON back into a `QueryResult`.
struct RemoteQuery {
    let client: DaemonClient

    func run(_ expression: String, _ plan: QueryPlan) async throws -> QueryResult {
        let data: Any
        switch plan {
        case .instant(let at):
            data = try await client.apiData("/api/v1/query", form: [("query", expression), ("time", seconds(at))])
        case .range(let start, let end, let step):
            data = try await client.apiData(
                "/api/v1/query_range",
                form: [
                    ("query", expression), ("start", seconds(start)), ("end", seconds(end)), ("step", seconds(step)),
                ])
        }
        return try Self.decode(data)
    }

    private func seconds(_ millis: Int64) -> String { String(Double(millis) / 1000) }

    static func decode(_ data: Any) throws -> QueryResult {
        guard let object = data as? [String: Any], let type = object["resultType"] as? String else {
            throw InfermonError.invalidInput("unexpected query response")
        }
        let result = object["result"]
        switch type {
        case "scalar":
            let point = try self.point(result)
            return .scalar(point)
        case "string":
            guard let pair = result as? [Any], pair.count == 2, let text = pair[1] as? String else {
                throw InfermonError.invalidInput("bad string result")
            }
            return .string(text, at: try point([pair[0], "0"]).timestamp)
        case "vector":
            let items = result as? [[String: Any]] ?? []
            return .vector(
                try items.map { item in
                    let sample = try point(item["value"])
                    return InstantSample(
                        labels: labels(item["metric"]), timestamp: sample.timestamp, value: sample.value)
                })
        case "matrix":
            let items = result as? [[String: Any]] ?? []
            return .matrix(
                try items.map { item in
                    Series(labels: labels(item["metric"]), samples: try (item["values"] as? [Any] ?? []).map(point))
                })
        default:
            throw InfermonError.invalidInput("unknown result type \(type)")
        }
    }

    private static func labels(_ value: Any?) -> Labels {
        Labels((value as? [String: String]) ?? [:])
    }

    private static func point(_ value: Any?) throws -> Sample {
        guard let pair = value as? [Any], pair.count == 2, let time = pair[0] as? NSNumber,
            let text = pair[1] as? String
        else { throw InfermonError.invalidInput("bad sample in query response") }
        let number: Double =
            switch text {
            case "+Inf": .infinity
            case "-Inf": -.infinity
            case "NaN": .nan
            default: Double(text) ?? .nan
            }
        return Sample(Timestamp((time.doubleValue * 1000).rounded()), number)
    }
}

/// Query results for people (aligned table), scripts (CSV) and tools (Prometheus JSON).
enum ResultFormatter {
    static func render(_ result: QueryResult, as format: OutputFormat) -> String {
        switch format {
        case .json: return String(decoding: PrometheusJSON.encode(result), as: UTF8.self) + "\n"
        case .csv: return csv(result)
        case .table: return table(result)
        }
    }

    private static func rows(_ result: QueryResult) -> [(labels: String, time: Timestamp, value: String)] {
        switch result {
        case .scalar(let sample): return [("scalar", sample.timestamp, formatPrometheusFloat(sample.value))]
        case .string(let text, let at): return [("string", at, text)]
        case .vector(let samples):
            return samples.map { ($0.labels.description, $0.timestamp, formatPrometheusFloat($0.value)) }
        case .matrix(let series):
            return series.flatMap { item in
                item.samples.map { (item.labels.description, $0.timestamp, formatPrometheusFloat($0.value)) }
            }
        }
    }

    static func table(_ result: QueryResult) -> String {
        let all = rows(result)
        guard !all.isEmpty else { return "(no data)\n" }
        let width = min(100, all.map(\.labels.count).max() ?? 0)
        let showTime: Bool = if case .matrix = result { true } else { false }
        var out = ""
        for row in all {
            var line = row.labels.padding(toLength: max(width, row.labels.count), withPad: " ", startingAt: 0)
            if showTime { line += "  " + TimeParsing.formatRFC3339(row.time) }
            out += line + "  " + row.value + "\n"
        }
        return out
    }

    static func csv(_ result: QueryResult) -> String {
        var out = "series,timestamp,value\n"
        for row in rows(result) {
            let quoted = "\"" + row.labels.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            out += "\(quoted),\(Double(row.time) / 1000),\(row.value)\n"
        }
        return out
    }
}
