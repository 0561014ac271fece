import Dashboard
import Foundation
import InfermonCore
import InfermonTesting
import Testing

/// The Grafana dashboards in `dashboards/grafana/` against a running daemon,
/// asked the way Grafana's Prometheus data source asks: every panel query as a
/// form-encoded `POST /api/v1/query_range`, and the template variables'
/// `label_values(metric, label)` as `GET /api/v1/label/<label>/values?match[]=`.
/// No Grafana runs here; this checks the part that depends on infermon.
@Suite("Grafana dashboards against the HTTP API")
struct GrafanaQueriesTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test func everyPanelQueryAndVariableAnswers() async throws {
        let directory = try TemporaryDirectory()
        let now = SystemWallClock().now()
        var lines = ""
        for index in 0..<400 {
            let model = index % 2 == 0 ? "alpha" : "beta"
            let tenant = index % 3 == 0 ? "acme" : "globex"
            let time = now - 1_800_000 + Int64(index) * 4000
            lines +=
                #"{"timestamp":\#(time),"request_id":"g\#(index)","model":"\#(model)","tenant":"\#(tenant)","status":"\#(index % 10 == 0 ? "error" : "ok")","latency_ms":\#(300 + index % 70),"ttft_ms":80,"prompt_tokens":120,"completion_tokens":30,"cost_usd":0.002}"#
                + "\n"
        }
        try TestFiles.append(lines, to: directory.file("events.jsonl"))
        let ingest = try await runCommand(
            ChildProcess.infermonBinary(),
            ["ingest", "--db", directory.file("store.db"), directory.file("events.jsonl")],
            directory: directory.path, name: "ingest")
        #expect(ingest.status == 0, "\(ingest.stderr)")
        let daemon = try await DaemonProcess(
            config: "storage:\n  path: \(directory.file("store.db"))\nsources: []\n", directory: directory.path)
        defer { daemon.discard() }

        let files = try FileManager.default.contentsOfDirectory(atPath: Self.root + "/dashboards/grafana")
            .filter { $0.hasSuffix(".json") }.sorted()
        #expect(files.count == 3)
        var answered = 0
        var withData = 0
        for file in files {
            let text = try String(contentsOfFile: Self.root + "/dashboards/grafana/" + file, encoding: .utf8)
            let (variables, targets) = try GrafanaDashboard.targets(text, file: file)
            // Grafana fills these in itself before it sends a query.
            var values = variables
            values["__range"] = "1h"
            values["__interval"] = "1m"
            values["__rate_interval"] = "4m"
            values["__range_s"] = "3600"
            let scope = VariableScope(values: values)
            for target in targets {
                let query = scope.substitute(target.expression)
                let body = form(["query": query, "start": "\(now / 1000 - 3600)", "end": "\(now / 1000)", "step": "60"])
                let answer = try await HTTP.request(
                    .post, daemon.baseURL + "/api/v1/query_range", body: body,
                    headers: [("Content-Type", "application/x-www-form-urlencoded")])
                #expect(
                    answer.status == 200 && answer.body.hasPrefix(#"{"status":"success""#),
                    "\(file) panel \"\(target.panel)\": \(query) → \(answer.status) \(answer.body.prefix(300))")
                answered += 1
                if answer.body.contains(#""values":[["#) { withData += 1 }
            }
            for name in variables.keys.sorted() where name == "model" || name == "tenant" {
                let labels = try await HTTP.request(
                    .get, daemon.baseURL + "/api/v1/label/\(name)/values?match%5B%5D=infermon_requests_total")
                #expect(labels.status == 200, "\(labels.body)")
                let expected = name == "model" ? #"["alpha","beta"]"# : #"["acme","globex"]"#
                #expect(labels.body.contains(expected), "\(file) variable \(name): \(labels.body)")
            }
        }
        #expect(answered > 20)
        // Serving, cost and most quality panels have data from these requests.
        #expect(withData * 2 > answered, "\(withData) of \(answered) queries returned data")
    }

    func form(_ fields: [String: String]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
            .joined(separator: "&")
    }
}
