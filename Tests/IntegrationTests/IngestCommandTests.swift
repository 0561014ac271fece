import InfermonCore
import InfermonTesting
import Store
import Testing

/// `infermon ingest` is a second way in: it must price, count and redact as
/// the daemon's ingest path does, not store events raw.
@Suite("infermon ingest end to end")
struct IngestCommandTests {
    @Test func importedEventsArePricedCountedAndRedacted() async throws {
        let directory = try TemporaryDirectory()
        try TestFiles.append(
            """
            models:
              - name: priced-model
                provider: test
                prices: [{input: 2.00, cached_input: 0.50, output: 8.00}]
            """, to: directory.file("pricing.yaml"))
        try TestFiles.append(
            "storage:\n  path: \(directory.file("store.db"))\npricing: \(directory.file("pricing.yaml"))\n",
            to: directory.file("infermon.yaml"))
        let time = TimeParsing.formatRFC3339(SystemWallClock().now())
        try TestFiles.append(
            """
            {"timestamp":"\(time)","request_id":"a","model":"priced-model","prompt_tokens":1000000,"cached_tokens":400000,"completion_tokens":500000,"prompt":"my key is AKIAIOSFODNN7EXAMPLE"}
            {"timestamp":"\(time)","request_id":"b","model":"mystery-model","prompt_tokens":10,"completion_tokens":5}
            {"timestamp":"\(time)","request_id":"c","model":"priced-model","prompt_tokens":10,"completion_tokens":5,"cost_usd":0.5}
            not json, with jane.doe@example.org inside

            """, to: directory.file("events.jsonl"))

        let result = try await runCommand(
            ChildProcess.infermonBinary(),
            ["ingest", "--config", directory.file("infermon.yaml"), directory.file("events.jsonl")],
            directory: directory.path, name: "ingest")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("3 accepted, 1 rejected"), "\(result.stdout)")

        let sql = try ReadOnlySQL(path: directory.file("store.db"))
        // 0.6 M input at $2 + 0.4 M cached at $0.50 + 0.5 M output at $8 = 1.2 + 0.2 + 4.0.
        let costs = try sql.query("SELECT request_id, cost FROM events ORDER BY request_id").rows
        guard case .real(let priced) = costs[0][1] else {
            Issue.record("event a has no cost: \(costs[0])")
            return
        }
        #expect(abs(priced - 5.4) < 1e-9)
        #expect(costs[1] == [.text("b"), .null], "an unknown model stays unpriced, never $0")
        #expect(costs[2] == [.text("c"), .real(0.5)], "a reported cost wins")
        let unpriced = try sql.query(
            "SELECT count(*) FROM series WHERE labels LIKE '%infermon_cost_unpriced_requests_total%mystery-model%'")
        #expect(unpriced.rows[0] == [.integer(1)])
        let prompts = try sql.query("SELECT prompt FROM event_texts").rows
        #expect(prompts == [[.text("my key is [REDACTED:api_key]")]])
        let excerpts = try sql.query("SELECT CAST(excerpt AS TEXT) FROM dead_letters").rows
        #expect(excerpts == [[.text("not json, with [REDACTED:email] inside")]])
    }
}

/// An import run twice is a re-delivery: the second run stores nothing again.
@Suite("infermon ingest twice")
struct IngestTwiceTests {
    @Test func runningTheSameImportTwiceStoresEachRequestOnce() async throws {
        let directory = try TemporaryDirectory()
        let now = SystemWallClock().now()
        try TestFiles.append(
            (0..<50).map { #"{"timestamp":\#(now - Int64($0)),"request_id":"r\#($0)","model":"m"}"# }
                .joined(separator: "\n") + "\n", to: directory.file("events.jsonl"))
        try TestFiles.append("storage:\n  path: \(directory.file("store.db"))\n", to: directory.file("infermon.yaml"))
        for run in 0..<2 {
            let result = try await runCommand(
                ChildProcess.infermonBinary(),
                ["ingest", "--config", directory.file("infermon.yaml"), directory.file("events.jsonl")],
                directory: directory.path, name: "ingest-\(run)")
            #expect(result.status == 0, "\(result.stderr)")
        }
        let sql = try ReadOnlySQL(path: directory.file("store.db"))
        #expect(
            try sql.query("SELECT count(*), count(DISTINCT request_id) FROM events").rows == [
                [.integer(50), .integer(50)]
            ])
        let total = try sql.query(
            "SELECT sum(requests) FROM rollups r WHERE bucket = (SELECT max(bucket) FROM rollups WHERE key_id = r.key_id)"
        ).rows
        #expect(total == [[.integer(50)]], "the rollups did not count the second run either")
    }
}

/// A long import says how far it got while it runs, on the terminal it runs in.
@Suite("infermon ingest progress")
struct IngestProgressTests {
    @Test func aLongImportShowsProgressOnATerminal() async throws {
        let directory = try TemporaryDirectory()
        let now = SystemWallClock().now()
        var text = ""
        text.reserveCapacity(400_000 * 80)
        for index in 0..<400_000 {
            text += #"{"timestamp":\#(now - Int64(index)),"request_id":"r\#(index)","model":"m","latency_ms":5}"# + "\n"
        }
        try TestFiles.append(text, to: directory.file("events.jsonl"))
        try TestFiles.append("storage:\n  path: \(directory.file("store.db"))\n", to: directory.file("infermon.yaml"))
        let tmux = try await TmuxSession(
            command: "\(ChildProcess.infermonBinary()) ingest --config \(directory.file("infermon.yaml"))"
                + " \(directory.file("events.jsonl")); echo \"ingest exited $?\"; sleep 600",
            width: 200, height: 20, directory: directory.path)
        var screen = ""
        let done = try await waitUntil(timeoutSeconds: 120, pollMillis: 100) {
            screen = try await tmux.capture()
            return screen.contains("ingest exited")
        }
        #expect(done, "\(screen)")
        #expect(screen.contains("ingest exited 0"), "\(screen)")
        #expect(screen.contains("400000 accepted, 0 rejected"), "\(screen)")
        // The progress line stays above the summary once the import has taken over a second.
        let progress = screen.split(separator: "\n").first { $0.contains("events/s") && $0.contains("lines") }
        #expect(progress != nil, "no progress line: \(screen)")
    }
}
