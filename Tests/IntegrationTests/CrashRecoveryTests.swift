import InfermonCore
import InfermonTesting
import Store
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The exactly-once promise through the real thing: a child `infermon serve`
/// follows a growing, rotating file and is killed with SIGKILL at random points;
/// the store must end up with every line exactly once.
@Suite("Crash recovery")
struct CrashRecoveryTests {
    @Test func sigkillAtRandomPointsLosesAndDuplicatesNothing() async throws {
        let directory = try TemporaryDirectory()
        try makeDirectoryForTest(directory.file("logs"))
        let config = directory.file("infermon.yaml")
        try TestFiles.append(
            """
            storage:
              path: \(directory.file("store.db"))
            server:
              listen: 127.0.0.1:0
            sources:
              - name: app
                paths: ["\(directory.file("logs"))/*.jsonl*"]
                poll_interval: 10ms
                batch_events: 37
            log:
              level: info
            """, to: config)
        let log = directory.file("logs/app.jsonl")
        var random = SystemRandomNumberGenerator()
        var written = 0
        var pendingTail: [UInt8] = []

        func writeLines(_ count: Int) throws {
            var text = pendingTail
            for _ in 0..<count {
                written += 1
                text +=
                    Array(
                        #"{"timestamp":\#(SystemWallClock().now()),"request_id":"id-\#(written)","model":"m","tenant":"t\#(written % 7)","latency_ms":\#(written % 1000),"prompt_tokens":\#(written)}"#
                            .utf8) + [0x0A]
            }
            // Leave a partial line behind half of the time; the rest is written next round.
            let cut =
                text.count > 40 && Bool.random(using: &random)
                ? text.count - Int.random(in: 1..<40, using: &random) : text.count
            try TestFiles.append(bytes: Array(text[..<cut]), to: log)
            pendingTail = Array(text[cut...])
        }

        let binary = ChildProcess.infermonBinary()
        let kills = 24
        for round in 0..<kills {
            let child = try ChildProcess(
                executable: binary, arguments: ["serve", "--config", config],
                outputPrefix: directory.file("serve-\(round)"))
            try writeLines(Int.random(in: 50...400, using: &random))
            if round % 8 == 5 {
                // Rename rotation while the daemon runs; the glob still matches the old name.
                // A logger never splits a line across files, so the old file ends complete.
                try TestFiles.append(bytes: pendingTail, to: log)
                pendingTail = []
                try TestFiles.rename(log, to: directory.file("logs/app.jsonl.\(round)"))
            }
            try await Task.sleep(for: .microseconds(UInt32.random(in: 0...250_000, using: &random)))
            try writeLines(Int.random(in: 0...200, using: &random))
            try await Task.sleep(for: .microseconds(UInt32.random(in: 0...100_000, using: &random)))
            child.signal(SIGKILL)
            #expect(try await child.wait() == 128 + SIGKILL, "round \(round): \(child.standardError())")
        }
        // Finish the partial line and let a last daemon catch up, then stop it cleanly.
        try TestFiles.append(bytes: pendingTail, to: log)
        pendingTail = []
        let final = try ChildProcess(
            executable: binary, arguments: ["serve", "--config", config], outputPrefix: directory.file("serve-final"))
        let caughtUp = try await waitUntil(timeoutSeconds: 120) {
            (try? ReadOnlySQL(path: directory.file("store.db")).query("SELECT count(*) FROM events").rows.first?.first)
                == .integer(Int64(written))
        }
        #expect(try await waitUntil(timeoutSeconds: 30) { final.standardError().contains("infermon ready") })
        final.signal(SIGTERM)
        #expect(try await final.wait() == 0, "clean shutdown: \(final.standardError())")
        #expect(caughtUp, "the final daemon ingested everything that was written")

        let sql = try ReadOnlySQL(path: directory.file("store.db"))
        let rows = try sql.query("SELECT request_id, count(*) FROM events GROUP BY request_id HAVING count(*) > 1")
        #expect(rows.rows.isEmpty, "duplicated: \(rows.rows.prefix(5))")
        let distinct = try sql.query("SELECT count(DISTINCT request_id), count(*) FROM events").rows[0]
        #expect(distinct == [.integer(Int64(written)), .integer(Int64(written))])
        let letters = try sql.query("SELECT count(*) FROM dead_letters").rows[0]
        #expect(letters == [.integer(0)], "no line was split into garbage")
        // The rollups agree with the raw rows: counters were committed with their events.
        let total = try sql.query(
            "SELECT sum(requests) FROM rollups r WHERE bucket = (SELECT max(bucket) FROM rollups WHERE key_id = r.key_id)"
        ).rows[0]
        #expect(total == [.integer(Int64(written))])
    }
}

func makeDirectoryForTest(_ path: String) throws {
    guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw InfermonError.io("mkdir \(path)") }
}
