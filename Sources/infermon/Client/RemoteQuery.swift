import Dashboard
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
        return try PrometheusResponseDecoder.queryResult(data: data)
    }

    private func seconds(_ millis: Int64) -> String { String(Double(millis) / 1000) }
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
