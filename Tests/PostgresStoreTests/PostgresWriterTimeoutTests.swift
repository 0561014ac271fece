import Foundation
import InfermonCore
import InfermonTesting
import Logging
import PostgresNIO
import Store
import Testing

@testable import PostgresStore

#if canImport(Glibc)
    import Glibc
#endif

/// A database that stops answering without closing its connection (a host or
/// network gone, no RST; here the writer's backend is stopped with SIGSTOP):
/// a batch write gives up after the store's write timeout instead of holding
/// the writer, and the next write opens another connection.
@Suite("PostgreSQL writer timeout", .serialized)
struct PostgresWriterTimeoutTests {
    @Test func aWriteTheDatabaseDoesNotAnswerIsGivenUpAndTheNextReconnects() async throws {
        try await PostgresEvaluatorStoreTests.withServer { _, settings in
            let store = try await PostgresStore.open(settings: settings, logger: PostgresEvaluatorStoreTests.logger)
            store.writeTimeout = .seconds(2)
            try await store.ping()
            let writers = try store.readers.withConnection { connection in
                try connection.rows(
                    """
                    SELECT pid FROM pg_stat_activity WHERE datname = current_database()
                      AND backend_type = 'client backend' AND pid <> pg_backend_pid()
                    """, logger: PostgresEvaluatorStoreTests.logger
                ).map { try $0.decode(Int32.self) }
            }
            try #require(writers.count == 1, "backends besides this reader: \(writers)")
            let backend = writers[0]
            let events = PostgresStoreTests.traffic(seed: 5, count: 100, start: SystemWallClock().now() - 60_000)
                .joined()
            let batch = IngestBatch(events: Array(events))

            kill(backend, SIGSTOP)
            let started = Date()
            await #expect(throws: WriterTimeout.self) { try await store.write(batch) }
            let waited = Date().timeIntervalSince(started)
            kill(backend, SIGCONT)
            #expect(waited >= 2 && waited < 10, "gave up after \(waited) s")

            // The next write reconnects; on a busy machine that can take longer than the short limit above.
            store.writeTimeout = .seconds(60)
            try await store.write(batch)
            #expect(try store.eventCount() == Int64(events.count))
            await store.close()
        }
    }
}
