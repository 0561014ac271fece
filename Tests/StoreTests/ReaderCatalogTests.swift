import InfermonCore
import InfermonTesting
import Logging
import Testing

@testable import Store

/// The readers of one store share a catalog of keys: a key one reader found is
/// known to the others, and a reader that was busy while keys were added
/// answers with them afterwards.
@Suite("Reader catalog")
struct ReaderCatalogTests {
    static let requests = [LabelMatcher.equal(Labels.metricName, EventMetrics.requestsTotal)]

    static func models(_ store: SQLiteStore, now: Timestamp) throws -> Set<String> {
        Set(try store.select(requests, from: now - 600_000, through: now).compactMap { $0.labels["model"] })
    }

    @Test func keysFoundByOneReaderAreAnsweredByEvery() async throws {
        let directory = try TemporaryDirectory()
        let now: Timestamp = 1_800_000_000_000
        let store = try SQLiteStore(
            path: directory.file("c.db"), options: StoreOptions(readConnections: 2), clock: ManualClock(now: now),
            eventWriter: true, logger: Logger(label: "t"))
        defer { store.close() }
        try await store.write(IngestBatch(events: [InferenceEvent(timestamp: now - 120_000, model: "a")]))
        #expect(try Self.models(store, now: now) == ["a"])

        // The reader that knows "a" is busy: a second reader opens and finds "b".
        let releaseFirst = store.holdReadConnection()
        try await store.write(IngestBatch(events: [InferenceEvent(timestamp: now - 110_000, model: "b")]))
        #expect(try Self.models(store, now: now) == ["a", "b"])
        #expect(store.openReadConnections == 2)
        releaseFirst()
        #expect(Set(store.readerCatalog.current.keys.values.map(\.key.model)) == ["a", "b"])

        // Now the second is busy: the first, which last saw only "a", answers with both.
        let releaseSecond = store.holdReadConnection()
        #expect(try Self.models(store, now: now) == ["a", "b"])
        releaseSecond()
    }
}
