import Foundation
import InfermonCore
import InfermonTesting
import Store
import Testing

/// The guard against time bombs: the crash-recovery scenario's lines, stamped
/// from nothing but `Date()`, through a real daemon whose retention pass runs
/// every 200 ms. Live lines must stay; lines older than the event retention
/// (a backfill) must be counted per source, said once in the log, shown by
/// `infermon stats` and `/metrics`, and still answer PromQL through their rollups.
@Suite("Host clock and event retention")
struct HostClockTests {
    static let day: Int64 = 86_400_000

    /// A line shaped like the crash-recovery test's, stamped `millis`.
    static func line(_ id: String, at millis: Int64, index: Int) -> String {
        #"{"timestamp":\#(millis),"request_id":"\#(id)","model":"m","tenant":"t\#(index % 7)","latency_ms":\#(index % 1000),"prompt_tokens":\#(index)}"#
            + "\n"
    }

    @Test func liveLinesStayAndABackfillPastRetentionIsCountedAndKeptInRollups() async throws {
        let directory = try TemporaryDirectory()
        try makeDirectoryForTest(directory.file("logs"))
        let now = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        let live = 300
        let backfill = 40
        // 8 days ago: past the default 7-day event retention, well inside the 90-day rollup retention.
        let backfillTime = now - 8 * Self.day
        var text = ""
        for index in 0..<backfill { text += Self.line("old-\(index)", at: backfillTime + Int64(index), index: index) }
        for index in 0..<live { text += Self.line("new-\(index)", at: now - Int64(live - index), index: index) }
        try TestFiles.append(text, to: directory.file("logs/backfill.jsonl"))

        let daemon = try await DaemonProcess(
            config: """
                storage:
                  path: \(directory.file("store.db"))
                  retention_check_interval: 200ms
                sources:
                  - name: app
                    paths: ["\(directory.file("logs"))/*.jsonl"]
                    poll_interval: 20ms
                log:
                  level: info
                """, directory: directory.path)
        defer { daemon.discard() }

        // Everything read, then the backfill's raw rows removed by a retention pass.
        let database = directory.file("store.db")
        func count(_ sql: String) -> Int64? {
            guard let row = try? ReadOnlySQL(path: database).query(sql).rows.first, case .integer(let value) = row[0]
            else { return nil }
            return value
        }
        #expect(
            try await waitUntil(timeoutSeconds: 30) {
                count("SELECT coalesce(sum(events), 0) FROM expired_on_arrival WHERE source = 'app'") == Int64(backfill)
                    && count("SELECT count(*) FROM events") == Int64(live)
            },
            "expired: \(String(describing: count("SELECT sum(events) FROM expired_on_arrival"))), rows: \(String(describing: count("SELECT count(*) FROM events")))"
        )
        #expect(count("SELECT count(*) FROM events WHERE request_id LIKE 'new-%'") == Int64(live), "live lines stay")

        // The rollups still answer for the backfilled day, over the real HTTP API.
        let at = Double(backfillTime + 60_000) / 1000
        let answer = try await HTTP.request(
            .get, daemon.baseURL + "/api/v1/query?query=sum(infermon_requests_total)&time=\(at)")
        #expect(answer.status == 200)
        #expect(answer.body.contains(#""\#(backfill)"]"#), "PromQL over the backfill's rollups: \(answer.body)")
        let nowAnswer = try await HTTP.request(
            .get, daemon.baseURL + "/api/v1/query?query=sum(infermon_requests_total)&time=\(Double(now) / 1000 + 1)")
        #expect(nowAnswer.body.contains(#""\#(backfill + live)"]"#), "\(nowAnswer.body)")

        // Said in /metrics, once in the log, and by `infermon stats`.
        var metrics = ""
        #expect(
            try await waitUntil(timeoutSeconds: 10) {
                metrics = (try? await HTTP.request(.get, daemon.baseURL + "/metrics").body) ?? ""
                return metrics.contains(#"infermon_events_expired_on_arrival_total{source="app"} \#(backfill)"#)
            }, "\(metrics)")
        let warnings = daemon.log.components(separatedBy: "events older than the event retention arrived").count - 1
        #expect(warnings == 1, "\(daemon.log.suffix(3000))")
        #expect(daemon.log.contains("source=app"))
        #expect(daemon.log.contains("cutoff=\(TimeParsing.formatRFC3339(now - 7 * Self.day).prefix(13))"))

        let stats = try await runCommand(
            ChildProcess.infermonBinary(), ["stats", "--config", daemon.configPath], directory: directory.path,
            name: "stats")
        #expect(stats.status == 0, "\(stats.stderr)")
        #expect(stats.stdout.contains("expired on arrival: \(backfill)"), "\(stats.stdout)")
        #expect(stats.stdout.contains("  app: \(backfill)"), "\(stats.stdout)")
    }
}
