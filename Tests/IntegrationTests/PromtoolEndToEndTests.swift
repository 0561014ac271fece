import Collectors
import InfermonCore
import InfermonTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The Prometheus-compatible API judged by the real `promtool` (Debian's
/// `prometheus` package): data ingested, then instant, range, series and labels
/// queries against a running `infermon serve`.
@Suite("promtool against infermon serve")
struct PromtoolEndToEndTests {
    static let minute: Int64 = 60_000

    /// 3 models × 2 tenants, one request per model and tenant every 10 s for 30 minutes, ending two minutes ago.
    static func writeTraffic(to path: String, end: Timestamp) throws -> [String: Int] {
        var lines = ""
        var perModel: [String: Int] = [:]
        var time = end - 30 * minute
        while time < end {
            for model in ["alpha", "beta", "gamma"] {
                for tenant in ["acme", "globex"] {
                    let event = InferenceEvent(
                        timestamp: time, requestID: "\(model)-\(tenant)-\(time)", model: model, route: "/v1/chat",
                        tenant: tenant,
                        status: .ok, latency: model == "gamma" ? 3.0 : 0.1, promptTokens: 100, completionTokens: 20)
                    lines += NativeEncoder.line(event) + "\n"
                    perModel[model, default: 0] += 1
                }
            }
            time += 10_000
        }
        try TestFiles.append(lines, to: path)
        return perModel
    }

    static func promtool() throws -> String {
        try #require(
            findExecutable("promtool"), "promtool is needed: apt-get install prometheus (make test installs it)")
    }

    @Test func promtoolQueriesGetTheExpectedAnswers() async throws {
        let directory = try TemporaryDirectory()
        try makeDirectoryForTest(directory.file("logs"))
        let now = SystemWallClock().now()
        let end = now - 2 * Self.minute
        let perModel = try Self.writeTraffic(to: directory.file("logs/app.jsonl"), end: end)
        let daemon = try await DaemonProcess(
            config: """
                storage:
                  path: \(directory.file("store.db"))
                sources:
                  - name: app
                    paths: ["\(directory.file("logs"))/*.jsonl"]
                """, directory: directory.path)
        defer { daemon.discard() }
        let promtool = try Self.promtool()
        // Wait until the file is in: the total is known.
        let total = perModel.values.reduce(0, +)
        #expect(
            try await waitUntil(timeoutSeconds: 30) {
                let out = try await runCommand(
                    promtool,
                    ["query", "instant", "--time=\(now / 1000)", daemon.baseURL, "sum(infermon_requests_total)"],
                    directory: directory.path, name: "wait")
                return out.stdout.contains("=> \(total) @")
            })

        let instant = try await runCommand(
            promtool,
            ["query", "instant", "--time=\(now / 1000)", daemon.baseURL, "sum by (model) (infermon_requests_total)"],
            directory: directory.path,
            name: "instant")
        #expect(instant.status == 0, "\(instant.stderr)")
        for (model, count) in perModel {
            #expect(instant.stdout.contains("{model=\"\(model)\"} => \(count) @"), "\(instant.stdout)")
        }

        // 6 requests per 10 s over the last 15 minutes of traffic: 0.6 requests/s.
        let startSeconds = (end - 20 * Self.minute) / 1000
        let endSeconds = (end - 5 * Self.minute) / 1000
        let range = try await runCommand(
            promtool,
            [
                "query", "range", "--start=\(startSeconds)", "--end=\(endSeconds)", "--step=60s", daemon.baseURL,
                "sum(rate(infermon_requests_total[5m]))",
            ],
            directory: directory.path, name: "range")
        #expect(range.status == 0, "\(range.stderr)")
        let values = range.stdout.split(separator: "\n").filter { $0.contains(" @[") }.compactMap {
            Double($0.split(separator: " ").first ?? "")
        }
        #expect(values.count == 16, "\(range.stdout)")
        for value in values { #expect(abs(value - 0.6) < 0.03, "\(range.stdout)") }

        let quantile = try await runCommand(
            promtool,
            [
                "query", "instant", "--time=\(now / 1000)", daemon.baseURL,
                "histogram_quantile(0.5, sum by (le, model) (rate(infermon_request_duration_seconds_bucket[10m] offset 5m)))",
            ],
            directory: directory.path, name: "quantile")
        #expect(quantile.stdout.contains("{model=\"gamma\"} =>"), "\(quantile.stdout) \(quantile.stderr)")
        let gamma = quantile.stdout.split(separator: "\n").first { $0.contains("gamma") }.flatMap {
            Double($0.split(separator: " ")[2])
        }
        #expect(
            gamma.map { $0 > 2.56 && $0 <= 5.12 } == true,
            "the median of 3 s lies in the (2.56, 5.12] bucket: \(quantile.stdout)")

        let series = try await runCommand(
            promtool, ["query", "series", "--match=infermon_requests_total{tenant=\"acme\"}", daemon.baseURL],
            directory: directory.path, name: "series")
        #expect(series.status == 0, "\(series.stderr)")
        #expect(series.stdout.split(separator: "\n").count == 3, "\(series.stdout)")
        #expect(series.stdout.contains("model=\"beta\"") && !series.stdout.contains("globex"))

        // Matched to the request counter: once the test outlives a detector interval (a loaded
        // machine), the drift series add model="*" (all models), which is right but not asked here.
        let labels = try await runCommand(
            promtool, ["query", "labels", "--match=infermon_requests_total", daemon.baseURL, "model"],
            directory: directory.path, name: "labels")
        #expect(
            labels.stdout.split(separator: "\n").map(String.init) == ["alpha", "beta", "gamma"], "\(labels.stdout)")

        // Grafana's data source health check.
        let health = try await runCommand(
            promtool, ["query", "instant", daemon.baseURL, "1+1"], directory: directory.path, name: "health")
        #expect(health.stdout.hasPrefix("scalar: 2 @["), "\(health.stdout)")

        let bad = try await runCommand(
            promtool, ["query", "instant", daemon.baseURL, "sum(rate(x[5m]"], directory: directory.path, name: "bad")
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("bad_data") || bad.stderr.contains("parse error"), "\(bad.stderr)")
        #expect(try await daemon.stop() == 0)
    }
}
