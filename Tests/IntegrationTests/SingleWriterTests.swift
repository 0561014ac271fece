import Foundation
import InfermonCore
import InfermonTesting
import Store
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// One event-writing process per SQLite file, through the real binary: a second
/// writer (`infermon ingest` beside `infermon serve`, or two imports at once) is
/// refused before it writes anything, with a message that names the holder and
/// the way out, instead of failing part-way on "UNIQUE constraint failed:
/// events.id"; a killed holder leaves no stale lock; and the commands that only
/// read or change small state still run beside a daemon.
@Suite("One event writer per SQLite file")
struct SingleWriterTests {
    static func lines(_ prefix: String, _ count: Int) -> String {
        let now = SystemWallClock().now()
        return (0..<count).map {
            #"{"timestamp":\#(now - Int64($0 % 60_000)),"request_id":"\#(prefix)\#($0)","model":"m","latency_ms":\#($0 % 900)}"#
        }.joined(separator: "\n") + "\n"
    }

    static func startDaemon(_ directory: TemporaryDirectory) async throws -> DaemonProcess {
        try TestFiles.append("tok-\(UInt64.random(in: 0...UInt64.max))\n", to: directory.file("token"))
        return try await DaemonProcess(
            config: "storage:\n  path: \(directory.file("store.db"))\nsources: []\n", directory: directory.path,
            serverYAML: "  auth:\n    token_file: \(directory.file("token"))\n")
    }

    /// Pushes `count` events to the daemon; its answer comes after they are committed.
    static func push(_ daemon: DaemonProcess, _ directory: TemporaryDirectory, prefix: String, count: Int)
        async throws
    {
        let token = String(String(decoding: try TestFiles.read(directory.file("token")), as: UTF8.self).dropLast())
        let answer = try await HTTP.request(
            .post, daemon.baseURL + "/api/v1/events", body: lines(prefix, count), token: token)
        #expect(answer.status == 200 && answer.body.contains(#""accepted":\#(count)"#), "\(answer.body)")
    }

    static func count(_ directory: TemporaryDirectory, _ sql: String) throws -> SQLValue {
        try ReadOnlySQL(path: directory.file("store.db")).query(sql).rows[0][0]
    }

    static func ingest(_ directory: TemporaryDirectory, _ file: String, name: String) throws -> ChildProcess {
        try ChildProcess(
            executable: ChildProcess.infermonBinary(), arguments: ["ingest", "--db", directory.file("store.db"), file],
            outputPrefix: directory.file(name))
    }

    @Test func ingestIntoARunningDaemonsFileIsRefusedAndWritesNothing() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await Self.startDaemon(directory)
        defer { daemon.discard() }
        try await Self.push(daemon, directory, prefix: "pushed-", count: 5)
        try TestFiles.append(Self.lines("imported-", 20) + "not json\n", to: directory.file("events.jsonl"))

        let refused = try Self.ingest(directory, directory.file("events.jsonl"), name: "ingest")
        let status = try await refused.wait()
        let message = refused.standardError()
        #expect(status != 0, "\(refused.standardOutput())")
        #expect(message.contains("\(directory.file("store.db")) is being written by another process"), "\(message)")
        #expect(message.contains("pid \(daemon.process.pid):") && message.contains(" serve --config "), "\(message)")
        #expect(message.contains("POST /api/v1/events"), "\(message)")
        #expect(!message.contains("UNIQUE"), "\(message)")
        #expect(try Self.count(directory, "SELECT count(*) FROM events") == .integer(5))
        #expect(try Self.count(directory, "SELECT count(*) FROM dead_letters") == .integer(0))

        // The daemon keeps the file and its lock: it still takes events, and a second try is refused again.
        try await Self.push(daemon, directory, prefix: "later-", count: 3)
        #expect(try await Self.ingest(directory, directory.file("events.jsonl"), name: "again").wait() != 0)
        #expect(try Self.count(directory, "SELECT count(*) FROM events") == .integer(8))
        #expect(try await daemon.stop() == 0, "\(daemon.log.suffix(2000))")
    }

    @Test func ofTwoImportsStartedAtOnceOneWritesAndTheOtherRefuses() async throws {
        let directory = try TemporaryDirectory()
        // Long enough (seconds in a debug build) that the second starts while the first still writes.
        let lines = 100_000
        try TestFiles.append(Self.lines("a-", lines), to: directory.file("a.jsonl"))
        try TestFiles.append(Self.lines("b-", lines), to: directory.file("b.jsonl"))
        let first = try Self.ingest(directory, directory.file("a.jsonl"), name: "ingest-a")
        let second = try Self.ingest(directory, directory.file("b.jsonl"), name: "ingest-b")
        defer {
            first.discard()
            second.discard()
        }
        let statuses = [try await first.wait(), try await second.wait()]
        let processes = [first, second]
        #expect(statuses.filter { $0 == 0 }.count == 1, "statuses \(statuses): \(processes.map { $0.standardError() })")
        guard let winner = statuses.firstIndex(of: 0), statuses[1 - winner] != 0 else { return }
        let loser = processes[1 - winner]
        let message = loser.standardError()
        #expect(message.contains("pid \(processes[winner].pid):") && message.contains(" ingest --db "), "\(message)")
        #expect(processes[winner].standardOutput().contains("\(lines) accepted"))
        let prefix = winner == 0 ? "a-" : "b-"
        #expect(try Self.count(directory, "SELECT count(*) FROM events") == .integer(Int64(lines)))
        #expect(
            try Self.count(directory, "SELECT count(*) FROM events WHERE request_id LIKE '\(prefix)%'")
                == .integer(Int64(lines)))
    }

    @Test func aKilledDaemonLeavesNoStaleLock() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await Self.startDaemon(directory)
        defer { daemon.discard() }
        try await Self.push(daemon, directory, prefix: "pushed-", count: 4)
        try await daemon.kill()
        // The holder's line outlives it; the lock is the kernel's and went with the process.
        let holder = String(decoding: try TestFiles.read(directory.file("store.db.lock")), as: UTF8.self)
        #expect(holder.contains("pid \(daemon.process.pid):"), "\(holder)")

        try TestFiles.append(Self.lines("imported-", 30), to: directory.file("events.jsonl"))
        let ingest = try Self.ingest(directory, directory.file("events.jsonl"), name: "ingest")
        #expect(try await ingest.wait() == 0, "\(ingest.standardError())")
        #expect(try Self.count(directory, "SELECT count(*) FROM events") == .integer(34))
    }

    @Test func readsAndSilencesWorkBesideARunningDaemon() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await Self.startDaemon(directory)
        defer { daemon.discard() }
        try await Self.push(daemon, directory, prefix: "pushed-", count: 6)
        let db = directory.file("store.db")
        func run(_ arguments: [String], _ name: String) async throws -> (status: Int32, stdout: String, stderr: String)
        {
            try await runCommand(ChildProcess.infermonBinary(), arguments, directory: directory.path, name: name)
        }

        let sql = try await run(["sql", "--db", db, "SELECT count(*) AS n FROM events"], "sql")
        #expect(sql.status == 0 && sql.stdout.contains("6"), "\(sql.stdout) \(sql.stderr)")
        let query = try await run(["query", "--db", db, "--format", "csv", "count(infermon_requests_total)"], "query")
        #expect(query.status == 0, "\(query.stderr)")
        let stats = try await run(["stats", "--db", db], "stats")
        #expect(stats.status == 0, "\(stats.stderr)")
        let add = try await run(
            ["silence", "add", "--db", db, "alertname=Maintenance", "--comment", "beside a daemon"], "silence-add")
        #expect(add.status == 0, "\(add.stderr)")
        let id = add.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let list = try await run(["silence", "list", "--db", db], "silence-list")
        #expect(list.status == 0 && !id.isEmpty && list.stdout.contains(id), "\(list.stdout) \(list.stderr)")

        // None of them took the daemon's lock or its file from it.
        try await Self.push(daemon, directory, prefix: "after-", count: 2)
        #expect(try Self.count(directory, "SELECT count(*) FROM events") == .integer(8))
        #expect(try await daemon.stop() == 0, "\(daemon.log.suffix(2000))")
    }
}
