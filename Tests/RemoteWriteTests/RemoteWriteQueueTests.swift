import InfermonCore
import InfermonTesting
import Logging
import Store
import Testing

@Suite("RemoteWrite durable queue")
struct RemoteWriteQueueTests {
    private func batch(_ samples: Int, _ highest: Timestamp) -> RemoteWriteBatch {
        RemoteWriteBatch(samples: samples, highestTimestamp: highest, body: Array("body \(highest)".utf8))
    }

    @Test func queueAndCursorSurviveReopeningTheStore() async throws {
        let directory = try TemporaryDirectory()
        var store = try SQLiteStore(path: directory.file("s.db"), logger: Logger(label: "t"))
        #expect(try await store.remoteWriteCursor(endpoint: "a") == nil)
        let dropped = try await store.enqueueRemoteWrite(
            endpoint: "a", batches: [batch(3, 10), batch(2, 20)], cursor: 1000, maxPendingSamples: 100)
        #expect(dropped == 0)
        _ = try await store.enqueueRemoteWrite(
            endpoint: "b", batches: [batch(7, 5)], cursor: 50, maxPendingSamples: 100)
        store.close()
        store = try SQLiteStore(path: directory.file("s.db"), logger: Logger(label: "t"))
        defer { store.close() }
        #expect(try await store.remoteWriteCursor(endpoint: "a") == 1000)
        #expect(try await store.remoteWriteCursor(endpoint: "b") == 50)
        #expect(try await store.pendingRemoteWriteSamples(endpoint: "a") == 5)
        let head = try #require(try await store.oldestRemoteWriteBatch(endpoint: "a"))
        #expect(head.samples == 3 && head.highestTimestamp == 10 && head.body == Array("body 10".utf8))
        try await store.deleteRemoteWriteBatch(endpoint: "a", id: head.id)
        #expect(try await store.oldestRemoteWriteBatch(endpoint: "a")?.highestTimestamp == 20)
        #expect(try await store.pendingRemoteWriteSamples(endpoint: "a") == 2)
        #expect(try await store.pendingRemoteWriteSamples(endpoint: "b") == 7)
    }

    /// Past the capacity the oldest batches go, counted, and the cursor still moves.
    @Test func capacityDropsTheOldestBatches() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.file("s.db"), logger: Logger(label: "t"))
        defer { store.close() }
        _ = try await store.enqueueRemoteWrite(
            endpoint: "a", batches: [batch(4, 1), batch(4, 2)], cursor: 10, maxPendingSamples: 10)
        let dropped = try await store.enqueueRemoteWrite(
            endpoint: "a", batches: [batch(4, 3), batch(1, 4)], cursor: 20, maxPendingSamples: 10)
        #expect(dropped == 4)
        #expect(try await store.pendingRemoteWriteSamples(endpoint: "a") == 9)
        #expect(try await store.oldestRemoteWriteBatch(endpoint: "a")?.highestTimestamp == 2)
        #expect(try await store.remoteWriteCursor(endpoint: "a") == 20)
    }
}
