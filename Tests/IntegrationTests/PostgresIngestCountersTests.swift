import Foundation
import InfermonCore
import InfermonTesting
import Testing

/// Two real `infermon serve` on one private PostgreSQL 15, each sent its own
/// requests over HTTP, in turns and in batches of different sizes (so one
/// shared series would go up and down). The ingest stages' counters (security
/// findings, unpriced requests, finish reasons, SLO events) are one series per
/// daemon, labelled `instance` with its `host_name`: their sums over HTTP are
/// exactly what both were sent, no series ever goes down, and a restarted
/// daemon continues its own totals.
@Suite("PostgreSQL ingest counters with several daemons", .serialized)
struct PostgresIngestCountersTests {
    static let names = ["collector-a", "collector-b"]
    let token = "tok-\(UInt64.random(in: 0...UInt64.max))"

    @Test(.timeLimit(.minutes(3))) func eachDaemonKeepsItsOwnCountersAndTheSumsAreExact() async throws {
        guard PostgresProcess.binDirectory != nil else {
            Issue.record(Comment(rawValue: PostgresProcess.notInstalled))
            return
        }
        let server = try await PostgresProcess(settings: ["fsync": "off"])
        var daemons: [DaemonProcess] = []
        let directory = try TemporaryDirectory()
        var step = "start"
        do {
            try TestFiles.append(token + "\n", to: directory.file("token"))
            for name in Self.names { daemons.append(try await start(name, directory: directory, server: server)) }
            var sent = Sent()
            // Turns of 4 requests to a, 2 to b: one shared series would read 4, 2, 8, 4, …
            for turn in 0..<3 {
                step = "turn \(turn)"
                try await push(to: daemons[0], daemon: 0, turn: turn, count: 4, sent: &sent)
                try await push(to: daemons[1], daemon: 1, turn: turn, count: 2, sent: &sent)
            }
            step = "counters before the restart"
            try await expectCounters(daemons[0].baseURL, sent: sent)
            let beforeRestart = try await Self.instant(
                daemons[1].baseURL, #"sum(infermon_security_findings_total{instance="collector-b"})"#)
            #expect(beforeRestart == Double(sent.requests[1]))

            // b restarts and is sent more: it goes on from its own total, not from a's nor from 0.
            step = "restart"
            #expect(try await daemons[1].stop() == 0)
            daemons[1] = try await start(Self.names[1], directory: directory, server: server, files: "restarted")
            for turn in 3..<5 {
                step = "turn \(turn)"
                try await push(to: daemons[1], daemon: 1, turn: turn, count: 2, sent: &sent)
                try await push(to: daemons[0], daemon: 0, turn: turn, count: 1, sent: &sent)
            }
            step = "counters after the restart"
            try await expectCounters(daemons[1].baseURL, sent: sent)

            step = "/metrics"
            // Each daemon's /metrics shows its own counters only, so a Prometheus scraping both counts once.
            for (index, daemon) in daemons.enumerated() {
                let metrics = try await HTTP.request(.get, daemon.baseURL + "/metrics").body
                let findings = metrics.split(separator: "\n").filter {
                    $0.hasPrefix("infermon_security_findings_total{")
                }
                #expect(
                    findings.map(String.init)
                        == [
                            #"infermon_security_findings_total{field="response",instance="\#(Self.names[index])",kind="email",model="unpriced-model"} \#(sent.requests[index])"#
                        ], "\(findings)")
            }
        } catch {
            Issue.record("\(step): \(error)")
            for daemon in daemons { Issue.record("running \(daemon.process.isRunning): \(daemon.log.suffix(1500))") }
        }
        for daemon in daemons { daemon.discard() }
        try await server.stop()
    }

    /// What the daemons were sent: one email finding, one unpriced request and
    /// one finish reason per request; every third request failed.
    struct Sent {
        var requests = [0, 0]
        var failed = 0
        var total: Int { requests.reduce(0, +) }
    }

    /// `files` names the configuration and log files, new ones for a restarted daemon.
    func start(_ name: String, directory: TemporaryDirectory, server: PostgresProcess, files: String? = nil)
        async throws -> DaemonProcess
    {
        try await DaemonProcess(
            config: """
                storage:
                  backend: postgres
                  postgres:
                    url: \(server.url)
                    password_file: \(server.passwordFile)
                    host_name: \(name)
                slos:
                  - name: availability
                    sli: availability
                    objective: 99%
                    period: 30d
                log:
                  level: info
                """, directory: directory.path, name: files ?? name,
            serverYAML: "  auth:\n    token_file: \(directory.file("token"))\n")
    }

    func push(to daemon: DaemonProcess, daemon index: Int, turn: Int, count: Int, sent: inout Sent) async throws {
        let now = SystemWallClock().now()
        var lines: [String] = []
        for event in 0..<count {
            let failed = (sent.total + event) % 3 == 2
            if failed { sent.failed += 1 }
            lines.append(
                #"{"timestamp":\#(now + Int64(event)),"request_id":"r-\#(index)-\#(turn)-\#(event)","model":"unpriced-model","status":"\#(failed ? "error" : "ok")","finish_reason":"stop","latency_ms":90,"response":"write to alice@example.com"}"#
            )
        }
        sent.requests[index] += count
        let answer = try await HTTP.request(
            .post, daemon.baseURL + "/api/v1/events", body: lines.joined(separator: "\n"), token: token)
        guard answer.status == 200 else {
            throw InfermonError.unavailable("push answered \(answer.status): \(answer.body.prefix(300))")
        }
        // Stored before the next turn, so the two daemons' samples interleave in the store.
        let instance = Self.names[index]
        #expect(
            try await waitUntil(timeoutSeconds: 30, pollMillis: 50) {
                try await Self.instant(
                    daemon.baseURL, #"sum(infermon_cost_unpriced_requests_total{instance="\#(instance)"})"#)
                    == Double(sent.requests[index])
            }, "\(instance) did not store turn \(turn)")
    }

    /// The sums over both daemons, each daemon's own total, and every series only going up.
    func expectCounters(_ url: String, sent: Sent) async throws {
        let sums: [(String, Int)] = [
            ("sum(infermon_security_findings_total)", sent.total),
            ("sum(infermon_cost_unpriced_requests_total)", sent.total),
            ("sum(infermon_finish_reasons_total)", sent.total),
            ("sum(infermon_slo_events_total)", sent.total),
            (#"sum(infermon_slo_events_total{result="bad"})"#, sent.failed),
        ]
        for (query, expected) in sums {
            var value: Double?
            let exact = try await waitUntil(timeoutSeconds: 30, pollMillis: 100) {
                value = try await Self.instant(url, query)
                return value == Double(expected)
            }
            #expect(exact, "\(query) = \(String(describing: value)), sent \(expected)")
        }
        for (index, name) in Self.names.enumerated() {
            let own = try await Self.instant(url, #"sum(infermon_security_findings_total{instance="\#(name)"})"#)
            #expect(own == Double(sent.requests[index]), "\(name)")
        }
        for metric in LLMCounterNames.all {
            let series = try await Self.rawSeries(url, "\(metric)[15m]")
            #expect(!series.isEmpty, "\(metric)")
            for (labels, values) in series {
                #expect(Self.names.contains(labels["instance"] ?? ""), "\(metric) \(labels)")
                #expect(zip(values, values.dropFirst()).allSatisfy { $0 <= $1 }, "\(metric) \(labels): \(values)")
            }
        }
    }

    enum LLMCounterNames {
        static let all = [
            "infermon_security_findings_total", "infermon_cost_unpriced_requests_total",
            "infermon_finish_reasons_total", "infermon_slo_events_total",
        ]
    }

    /// The value of an instant query's only sample, or nil.
    static func instant(_ url: String, _ query: String) async throws -> Double? {
        try await PostgresRestartTests.instant(url, query)
    }

    /// Every series of a range-vector instant query, with its raw sample values in time order.
    static func rawSeries(_ url: String, _ query: String) async throws -> [([String: String], [Double])] {
        let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
        let answer = try await HTTP.request(.get, url + "/api/v1/query?query=\(encoded)")
        guard answer.status == 200,
            let json = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any],
            let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]]
        else { throw InfermonError.unavailable("\(query): \(answer.status) \(answer.body.prefix(300))") }
        return result.map { series in
            let labels = series["metric"] as? [String: String] ?? [:]
            let values = (series["values"] as? [[Any]] ?? []).compactMap { ($0.last as? String).flatMap(Double.init) }
            return (labels, values)
        }
    }
}
