import Foundation
import InfermonCore
import InfermonTesting
import Store
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Rotation done by the real `logrotate`, as an operator configures it, while a
/// real daemon tails the files and is killed with SIGKILL at random points. The
/// glob matches the rotated names too (`app.jsonl*`, as the README suggests), so
/// copytruncate's copies are new inodes full of lines already read.
@Suite("logrotate end to end", .serialized)
struct LogrotateTests {
    static let logrotate: String? = {
        let candidates: [String] = ["/usr/sbin/logrotate", "/sbin/logrotate"]
        return candidates.first { access($0, X_OK) == 0 }
    }()

    @Test(
        .enabled(if: logrotate != nil, "needs logrotate (Debian package logrotate; make test installs it)"),
        arguments: ["copytruncate", "create"])
    func rotationWhileTheDaemonIsKilledLosesAndDuplicatesNothing(mode: String) async throws {
        let directory = try TemporaryDirectory()
        try makeDirectoryForTest(directory.file("logs"))
        let log = directory.file("logs/app.jsonl")
        // `rotate 1000`: nothing is deleted during the test, so every line stays readable.
        try TestFiles.append(
            """
            \(log) {
                rotate 1000
                \(mode)
                missingok
                nocompress
            }

            """, to: directory.file("logrotate.conf"))
        try TestFiles.append(
            """
            storage:
              path: \(directory.file("store.db"))
            server:
              listen: 127.0.0.1:0
            sources:
              - name: app
                paths: ["\(log)*"]
                poll_interval: 10ms
                rotated_idle_polls: 5
            """, to: directory.file("infermon.yaml"))
        var random = SystemRandomNumberGenerator()
        var written = 0
        func writeLines(_ count: Int) throws {
            var text = ""
            for _ in 0..<count {
                written += 1
                text +=
                    #"{"timestamp":\#(SystemWallClock().now()),"request_id":"id-\#(written)","model":"m","latency_ms":\#(written % 900)}"#
                    + "\n"
            }
            try TestFiles.append(text, to: log)
        }
        func rotate() async throws {
            let result = try await runCommand(
                Self.logrotate!, ["-f", "-s", directory.file("logrotate.state"), directory.file("logrotate.conf")],
                directory: directory.path, name: "logrotate")
            #expect(result.status == 0, "logrotate: \(result.stderr)")
        }
        func serve(_ name: String) throws -> ChildProcess {
            try ChildProcess(
                executable: ChildProcess.infermonBinary(),
                arguments: ["serve", "--config", directory.file("infermon.yaml")],
                outputPrefix: directory.file("serve-\(name)"))
        }

        try writeLines(200)
        for round in 0..<10 {
            let child = try serve("\(round)")
            try writeLines(Int.random(in: 20...300, using: &random))
            try await Task.sleep(for: .microseconds(UInt32.random(in: 0...150_000, using: &random)))
            try await rotate()
            try writeLines(Int.random(in: 1...200, using: &random))
            try await Task.sleep(for: .microseconds(UInt32.random(in: 0...150_000, using: &random)))
            if round % 3 == 2 { try await rotate() }
            child.signal(SIGKILL)
            let status = try await child.wait()
            #expect(status == 128 + SIGKILL, "round \(round): \(status) \(child.standardError().suffix(1000))")
            // Rotation while no daemon runs.
            if round % 4 == 1 {
                try writeLines(50)
                try await rotate()
            }
        }
        try writeLines(100)
        let final = try serve("final")
        let database = directory.file("store.db")
        func count(_ sql: String) -> SQLValue? { try? ReadOnlySQL(path: database).query(sql).rows.first?.first }
        let caughtUp = try await waitUntil(timeoutSeconds: 60) {
            count("SELECT count(*) FROM events") == .integer(Int64(written))
        }
        final.signal(SIGTERM)
        #expect(try await final.wait() == 0, "clean shutdown: \(final.standardError().suffix(2000))")
        #expect(caughtUp, "stored \(String(describing: count("SELECT count(*) FROM events"))) of \(written)")
        #expect(count("SELECT count(DISTINCT request_id) FROM events") == .integer(Int64(written)))
        #expect(count("SELECT count(*) FROM events") == .integer(Int64(written)), "exactly once")
        #expect(count("SELECT count(*) FROM dead_letters") == .integer(0), "no line was split")
        // The truncation is noticed once per rotation, not on every poll after it.
        let truncations = final.standardError().components(separatedBy: "log file truncated").count - 1
        #expect(truncations <= 1, "\(truncations) truncations in one run")
    }
}
