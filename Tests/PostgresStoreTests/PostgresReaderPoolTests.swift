import InfermonCore
import InfermonTesting
import Logging
import Store
import Testing

@testable import PostgresStore

/// Reads beyond the pool's connections wait for one to come back and are
/// woken when it does, rather than opening more or failing.
@Suite("PostgreSQL reader pool")
struct PostgresReaderPoolTests {
    @Test(.timeLimit(.minutes(5))) func readsBeyondThePoolsOneConnectionTakeTurnsOnIt() async throws {
        try await PostgresEvaluatorStoreTests.withServer { _, settings in
            let store = try await PostgresStore.open(
                settings: settings, options: StoreOptions(readConnections: 1), logger: PostgresReaderTimeoutTests.logger
            )
            let now = SystemWallClock().now()
            let events = PostgresStoreTests.traffic(seed: 11, count: 200, start: now - 60_000).joined()
            try await store.write(IngestBatch(events: Array(events)))
            let matchers = [LabelMatcher.equal(Labels.metricName, EventMetrics.requestsTotal)]
            let expected = try store.select(matchers, from: now - 3_600_000, through: now)
            #expect(!expected.isEmpty)
            let answers = try await withThrowingTaskGroup(of: [Series].self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        try await BlockingWork.run { try store.select(matchers, from: now - 3_600_000, through: now) }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.count == 6)
            #expect(answers.allSatisfy { $0 == expected })
            #expect(store.readers.idleCount == 1, "one connection, back in the pool")
            await store.close()
        }
    }
}
