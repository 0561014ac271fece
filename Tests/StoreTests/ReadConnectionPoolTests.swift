import Dispatch
import InfermonCore
import InfermonTesting
import Logging
import Synchronization
import Testing

@testable import Store

/// Reads go through a small pool of connections: one slow read (a dashboard's
/// long range query) does not hold up the others.
@Suite("Read connection pool")
struct ReadConnectionPoolTests {
    static let labels = Labels(name: "queue_depth", ["instance": "a"])

    static func store(in directory: TemporaryDirectory, readConnections: Int) async throws -> SQLiteStore {
        let store = try SQLiteStore(
            path: directory.file("r.db"), options: StoreOptions(readConnections: readConnections),
            clock: ManualClock(now: 1_800_000_000_000), logger: Logger(label: "t"))
        try await store.append([(labels, Sample(1_799_999_000_000, 7))])
        return store
    }

    /// One read keeps its connection until told to let go; a second read must
    /// finish meanwhile. With one connection behind a lock it would wait for
    /// the first forever, so the wait for it is bounded only to fail instead of hang.
    @Test func aReadCompletesWhileAnotherHoldsAConnection() async throws {
        let directory = try TemporaryDirectory()
        let store = try await Self.store(in: directory, readConnections: 4)
        let releaseHolder = store.holdReadConnection()

        let secondDone = DispatchSemaphore(value: 0)
        let read = Mutex<[Series]?>(nil)
        DispatchQueue.global().async {
            let series = try? store.select([.equal(Labels.metricName, "queue_depth")], from: 0, through: .max)
            read.withLock { $0 = series }
            secondDone.signal()
        }
        let finished = secondDone.wait(timeout: .now() + 60) == .success
        releaseHolder()

        #expect(finished, "the second read waited for the first")
        let series = read.withLock { $0 }
        #expect(series?.count == 1 && series?.first?.labels == Self.labels)
        #expect(series?.first?.samples == [Sample(1_799_999_000_000, 7)])
        #expect(store.openReadConnections == 2, "a second connection opened for the second read")
    }

    /// However many reads arrive at once, no more connections than configured
    /// are open or in use.
    @Test func readsNeverUseMoreConnectionsThanConfigured() async throws {
        let directory = try TemporaryDirectory()
        let store = try await Self.store(in: directory, readConnections: 2)
        let inUse = Atomic<Int>(0)
        let mostInUse = Atomic<Int>(0)
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            do {
                try store.withReadConnection { connection in
                    let now = inUse.add(1, ordering: .relaxed).newValue
                    mostInUse.max(now, ordering: .relaxed)
                    defer { inUse.subtract(1, ordering: .relaxed) }
                    let count = try connection.scalarInt("SELECT count(*) FROM series")
                    #expect(count == 1)
                }
            } catch {
                failures.add(1, ordering: .relaxed)
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
        #expect(mostInUse.load(ordering: .relaxed) <= 2)
        #expect(store.openReadConnections <= 2)
    }
}
