import InfermonCore
import InfermonTesting
import Logging
import PostgresNIO
import Store
import Testing

@testable import PostgresStore

/// Remote write's queue in PostgreSQL against a private PostgreSQL 15: the
/// same answers as SQLite's queue on the same operations, the cursor and the
/// batches changed in one transaction, and two daemons that both believe they
/// evaluate for a moment queueing the same intervals once.
@Suite("PostgreSQL remote write queue", .serialized)
struct PostgresRemoteWriteQueueTests {
    static let logger = Logger(label: "pg-remote-write-test")

    static func batch(_ samples: Int, _ highest: Timestamp) -> RemoteWriteBatch {
        RemoteWriteBatch(samples: samples, highestTimestamp: highest, body: Array("body \(highest)".utf8) + [0, 255])
    }

    /// Enqueues, heads, acknowledgements, cursors and capacity drops on two
    /// endpoints, written down as text: the answers a queue gives.
    static func transcript(_ queue: any RemoteWriteQueue) async throws -> [String] {
        var lines: [String] = []
        func state(_ endpoint: String) async throws {
            let head = try await queue.oldestRemoteWriteBatch(endpoint: endpoint)
            let cursor = try await queue.remoteWriteCursor(endpoint: endpoint)
            let pending = try await queue.pendingRemoteWriteSamples(endpoint: endpoint)
            lines.append(
                "\(endpoint): cursor \(cursor.map(String.init) ?? "nil") pending \(pending) head "
                    + (head.map { "\($0.samples)@\($0.highestTimestamp) \($0.body)" } ?? "none"))
        }
        func enqueue(_ endpoint: String, _ batches: [RemoteWriteBatch], cursor: Timestamp, capacity: Int) async throws {
            let dropped = try await queue.enqueueRemoteWrite(
                endpoint: endpoint, batches: batches, cursor: cursor, maxPendingSamples: capacity)
            lines.append("\(endpoint): enqueued \(batches.count) to \(cursor), dropped \(dropped)")
            try await state(endpoint)
        }
        func acknowledge(_ endpoint: String, as other: String? = nil) async throws {
            guard let head = try await queue.oldestRemoteWriteBatch(endpoint: endpoint) else { return }
            try await queue.deleteRemoteWriteBatch(endpoint: other ?? endpoint, id: head.id)
            lines.append("\(endpoint): acknowledged \(head.highestTimestamp) as \(other ?? endpoint)")
            try await state(endpoint)
        }
        try await state("a")
        // A new endpoint starts at the present, with nothing queued.
        try await enqueue("a", [], cursor: 1000, capacity: 100)
        try await enqueue("a", [batch(3, 1010), batch(2, 1020)], cursor: 2000, capacity: 100)
        try await enqueue("b", [batch(7, 5)], cursor: 50, capacity: 100)
        // Another endpoint's id acknowledges nothing.
        try await acknowledge("a", as: "b")
        try await acknowledge("a")
        try await enqueue("a", [batch(40, 2500), batch(50, 2600), batch(20, 2900)], cursor: 3000, capacity: 100)
        // Past the capacity the oldest go, and the cursor still moves.
        try await enqueue("a", [batch(30, 3500)], cursor: 4000, capacity: 100)
        try await enqueue("a", [], cursor: 5000, capacity: 100)
        // One batch larger than the bound leaves nothing queued.
        try await enqueue("b", [batch(150, 60)], cursor: 70, capacity: 100)
        for _ in 0..<4 { try await acknowledge("a") }
        try await state("b")
        return lines
    }

    @Test func answersAsSQLitesQueueDoesOnTheSameOperations() async throws {
        let directory = try TemporaryDirectory()
        let sqlite = try SQLiteStore(path: directory.file("s.db"), logger: Self.logger)
        let expected = try await Self.transcript(sqlite)
        sqlite.close()
        #expect(expected.contains { $0.contains("dropped") && !$0.hasSuffix("dropped 0") }, "\(expected)")
        try await PostgresEvaluatorStoreTests.withServer { _, settings in
            let store = try await PostgresStore.open(settings: settings, logger: Self.logger)
            let answered = try await Self.transcript(store)
            #expect(answered == expected)
            for (postgres, sqlite) in zip(answered, expected) where postgres != sqlite {
                Issue.record("PostgreSQL: \(postgres)\nSQLite:     \(sqlite)")
            }
            await store.close()
            // Another daemon opening the database finds what was left.
            let next = try await PostgresStore.open(settings: settings, logger: Self.logger)
            #expect(try await next.remoteWriteCursor(endpoint: "a") == 5000)
            #expect(try await next.pendingRemoteWriteSamples(endpoint: "a") == 0)
            #expect(try await next.remoteWriteCursor(endpoint: "b") == 70)
            await next.close()
        }
    }

    /// `infermon store copy` moves the queue in its order and the cursors, through
    /// an interruption: the PostgreSQL daemon sends what the SQLite one had not.
    @Test func storeCopyMovesTheQueueAndCursors() async throws {
        let directory = try TemporaryDirectory()
        let sqlite = try SQLiteStore(path: directory.file("s.db"), logger: Self.logger)
        let batches = (1...7).map { Self.batch($0, Timestamp(1000 + $0)) }
        _ = try await sqlite.enqueueRemoteWrite(
            endpoint: "a", batches: Array(batches[0..<4]), cursor: 2000, maxPendingSamples: 100)
        _ = try await sqlite.enqueueRemoteWrite(
            endpoint: "b", batches: Array(batches[4...]), cursor: 3000, maxPendingSamples: 100)
        let head = try #require(try await sqlite.oldestRemoteWriteBatch(endpoint: "a"))
        try await sqlite.deleteRemoteWriteBatch(endpoint: "a", id: head.id)
        sqlite.close()
        try await PostgresEvaluatorStoreTests.withServer { _, settings in
            var options = StoreCopyOptions()
            options.batchRows = 2
            options.stopAfterChunks = 1
            await #expect(throws: (any Error).self) {
                _ = try await StoreCopy.run(
                    from: directory.file("s.db"), to: settings, options: options, logger: Self.logger,
                    progress: { _ in })
            }
            options.stopAfterChunks = nil
            let report = try await StoreCopy.run(
                from: directory.file("s.db"), to: settings, options: options, logger: Self.logger, progress: { _ in })
            #expect(report.resumed)
            #expect(report.tables.first { $0.name == "remote_write_queue" }?.rows == 6)
            #expect(report.tables.first { $0.name == "remote_write_cursors" }?.rows == 2)
            let store = try await PostgresStore.open(settings: settings, logger: Self.logger)
            #expect(try await store.remoteWriteCursor(endpoint: "a") == 2000)
            #expect(try await store.remoteWriteCursor(endpoint: "b") == 3000)
            var sent: [String: [RemoteWriteBatch]] = [:]
            for endpoint in ["a", "b"] {
                while let head = try await store.oldestRemoteWriteBatch(endpoint: endpoint) {
                    sent[endpoint, default: []].append(head)
                    try await store.deleteRemoteWriteBatch(endpoint: endpoint, id: head.id)
                }
            }
            func unnumbered(_ list: [RemoteWriteBatch]) -> [RemoteWriteBatch] {
                list.map { RemoteWriteBatch(samples: $0.samples, highestTimestamp: $0.highestTimestamp, body: $0.body) }
            }
            #expect(unnumbered(sent["a"] ?? []) == Array(batches[1..<4]))
            #expect(unnumbered(sent["b"] ?? []) == Array(batches[4...]))
            // The queue's ids go on after the copied ones.
            _ = try await store.enqueueRemoteWrite(
                endpoint: "a", batches: [Self.batch(9, 2500)], cursor: 3000, maxPendingSamples: 100)
            #expect(try await store.oldestRemoteWriteBatch(endpoint: "a")?.highestTimestamp == 2500)
            await store.close()
        }
    }

    /// A batch that cannot be stored takes the cursor's move back with it: the
    /// intervals are read again, never skipped.
    @Test func theCursorMovesOnlyWithItsBatches() async throws {
        try await PostgresEvaluatorStoreTests.withServer { _, settings in
            let store = try await PostgresStore.open(settings: settings, logger: Self.logger)
            _ = try await store.enqueueRemoteWrite(
                endpoint: "a", batches: [Self.batch(3, 900)], cursor: 1000, maxPendingSamples: 100)
            try await store.inTransaction { [logger = Self.logger] connection in
                try await connection.query(
                    """
                    CREATE FUNCTION refuse_666() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                      IF NEW.samples = 666 THEN RAISE EXCEPTION 'refused for the test'; END IF;
                      RETURN NEW;
                    END $$
                    """, logger: logger)
                try await connection.query(
                    """
                    CREATE TRIGGER refuse_666 BEFORE INSERT ON remote_write_queue
                    FOR EACH ROW EXECUTE FUNCTION refuse_666()
                    """, logger: logger)
            }
            await #expect(throws: (any Error).self) {
                _ = try await store.enqueueRemoteWrite(
                    endpoint: "a", batches: [Self.batch(4, 1500), Self.batch(666, 1900)], cursor: 2000,
                    maxPendingSamples: 100)
            }
            #expect(try await store.remoteWriteCursor(endpoint: "a") == 1000)
            #expect(try await store.pendingRemoteWriteSamples(endpoint: "a") == 3)
            #expect(try await store.oldestRemoteWriteBatch(endpoint: "a")?.highestTimestamp == 900)
            // Read again, it queues.
            _ = try await store.enqueueRemoteWrite(
                endpoint: "a", batches: [Self.batch(4, 1500), Self.batch(5, 1900)], cursor: 2000,
                maxPendingSamples: 100)
            #expect(try await store.remoteWriteCursor(endpoint: "a") == 2000)
            #expect(try await store.pendingRemoteWriteSamples(endpoint: "a") == 12)
            await store.close()
        }
    }

    /// The last evaluator's session is gone but it has not noticed yet, and the
    /// next one already ships: both read the intervals past the same cursor,
    /// and the samples are queued once, whichever commits first.
    @Test func twoDaemonsQueueingTheSameIntervalsQueueThemOnce() async throws {
        try await PostgresEvaluatorStoreTests.withServer { _, settings in
            let first = try await PostgresStore.open(settings: settings, logger: Self.logger)
            let second = try await PostgresStore.open(settings: settings, logger: Self.logger)
            _ = try await first.enqueueRemoteWrite(endpoint: "a", batches: [], cursor: 1000, maxPendingSamples: 100)
            for round in 0..<20 {
                let from = try #require(try await first.remoteWriteCursor(endpoint: "a"))
                #expect(try await second.remoteWriteCursor(endpoint: "a") == from)
                let until = from + 1000
                let batches = [Self.batch(2, from + 100), Self.batch(1, from + 900)]
                async let one = first.enqueueRemoteWrite(
                    endpoint: "a", batches: batches, cursor: until, maxPendingSamples: 10_000)
                async let other = second.enqueueRemoteWrite(
                    endpoint: "a", batches: batches, cursor: until, maxPendingSamples: 10_000)
                _ = try await (one, other)
                #expect(try await first.pendingRemoteWriteSamples(endpoint: "a") == 3 * (round + 1), "round \(round)")
            }
            // The queue holds each interval once, in time order, whoever queued it.
            var highest: [Timestamp] = []
            while let head = try await second.oldestRemoteWriteBatch(endpoint: "a") {
                highest.append(head.highestTimestamp)
                try await second.deleteRemoteWriteBatch(endpoint: "a", id: head.id)
            }
            let once: [Timestamp] = (0..<20).flatMap { (round: Int64) -> [Timestamp] in
                [round * 1000 + 1100, round * 1000 + 1900]
            }
            #expect(highest == once)
            await first.close()
            await second.close()
        }
    }
}
