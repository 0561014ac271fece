import InfermonCore
import InfermonTesting
import Logging
import Store
import Testing

@Suite("Retention")
struct RetentionTests {
    static let day: Int64 = 86_400_000

    @Test func expiredDataGoesAndRecentDataStays() async throws {
        let directory = try TemporaryDirectory()
        let now: Timestamp = 1_800_000_000_000
        let clock = ManualClock(now: now)
        let policy = RetentionPolicy(
            events: RetentionPolicy.day * 2, rollups: RetentionPolicy.day * 10, samples: RetentionPolicy.day * 3,
            deadLetters: RetentionPolicy.day)
        let store = try SQLiteStore(
            path: directory.file("s.db"), options: StoreOptions(retention: policy), clock: clock,
            logger: Logger(label: "t"))
        // 12,000 old events (more than one retention slice) and 10 recent ones.
        let old = (0..<12_000).map { index in
            InferenceEvent(
                timestamp: now - 5 * Self.day + Int64(index), requestID: "old\(index)", model: "m", latency: 1,
                prompt: "secret old text")
        }
        let recent = (0..<10).map {
            InferenceEvent(timestamp: now - Self.day + Int64($0), requestID: "new\($0)", model: "m", latency: 1)
        }
        try store.writeSynchronously(IngestBatch(events: old))
        try store.writeSynchronously(
            IngestBatch(
                events: recent,
                deadLetters: [
                    DeadLetter(
                        source: "s", kind: .schema, location: "f", line: 1, reason: "r", excerpt: [1],
                        receivedAt: now - 2 * Self.day),
                    DeadLetter(
                        source: "s", kind: .schema, location: "f", line: 2, reason: "r", excerpt: [1],
                        receivedAt: now - 1000),
                ]))
        try await store.append([
            (Labels(name: "x"), Sample(now - 4 * Self.day, 1)), (Labels(name: "y"), Sample(now - Self.day, 1)),
        ])

        let service = RetentionService(store: store, interval: .seconds(60), clock: clock, logger: Logger(label: "t"))
        let report = try await service.runOnce()
        #expect(report.events == 12_000)
        #expect(report.deadLetters == 1)
        #expect(report.chunks == 1)

        let sql = try ReadOnlySQL(path: directory.file("s.db"))
        #expect(try sql.query("SELECT count(*) FROM events").rows == [[.integer(10)]])
        #expect(try sql.query("SELECT count(*) FROM event_texts").rows == [[.integer(0)]])
        #expect(try sql.query("SELECT count(*) FROM dead_letters").rows == [[.integer(1)]])
        #expect(try store.select([.equal("__name__", "x")], from: 0, through: .max).isEmpty)
        #expect(try store.select([.equal("__name__", "y")], from: 0, through: .max).count == 1)
        // Rollups are kept longer than raw events: counters still answer for the old period.
        let counters = try store.select(
            [.equal("__name__", "infermon_requests_total")], from: now - 5 * Self.day, through: now)
        #expect(counters.first?.samples.last?.value == 12_010)
    }

    /// A backfill older than the event retention is stored, counted per source
    /// (not silently dropped by the next pass), and still answered by its rollups.
    @Test func eventsPastTheRetentionOnArrivalAreCountedPerSourceAndKeptInRollups() async throws {
        let directory = try TemporaryDirectory()
        let now: Timestamp = 1_800_000_000_000
        let clock = ManualClock(now: now)
        let policy = RetentionPolicy(events: RetentionPolicy.day * 2, rollups: RetentionPolicy.day * 10)
        let store = try SQLiteStore(
            path: directory.file("s.db"), options: StoreOptions(retention: policy), clock: clock,
            logger: Logger(label: "t"))
        func batch(_ source: String, ages: [Int64]) -> IngestBatch {
            var batch = IngestBatch(
                events: ages.enumerated().map { index, age in
                    InferenceEvent(timestamp: now - age, requestID: "\(source)\(index)", model: "m", latency: 1)
                })
            batch.source = source
            return batch
        }
        // A backfill in time order, four events past the window, then live events just inside it.
        try store.writeSynchronously(batch("backfill", ages: [9 * Self.day, 5 * Self.day, 3 * Self.day]))
        try store.writeSynchronously(batch("backfill", ages: [2 * Self.day + 1]))
        try store.writeSynchronously(batch("live", ages: [2 * Self.day - 1, 1000]))
        #expect(
            try store.expiredOnArrival() == [
                ExpiredOnArrival(source: "backfill", events: 4, lastCutoff: now - 2 * Self.day)
            ])
        #expect(try store.stats().expiredOnArrival.map(\.events) == [4])

        let report = try await RetentionService(
            store: store, interval: .seconds(60), clock: clock, logger: Logger(label: "t")
        )
        .runOnce()
        #expect(report.events == 4)
        let sql = try ReadOnlySQL(path: directory.file("s.db"))
        #expect(try sql.query("SELECT count(*) FROM events").rows == [[.integer(2)]])
        // The backfill still counts: the counter at 8 days ago holds the 9-day-old request.
        let counters = try store.select(
            [.equal("__name__", "infermon_requests_total")], from: now - 9 * Self.day - 60_000,
            through: now - 8 * Self.day)
        #expect(counters.first?.samples.last?.value == 1)
        let all = try store.select([.equal("__name__", "infermon_requests_total")], from: now - 60_000, through: now)
        #expect(all.first?.samples.last?.value == 6)
        // The count outlives the rows it describes.
        #expect(try store.expiredOnArrival().map(\.events) == [4])
    }
}
