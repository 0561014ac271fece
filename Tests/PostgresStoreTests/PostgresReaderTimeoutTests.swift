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

/// A database that stops answering reads without closing the connection (a
/// host or network gone, no RST; here the reader's backend is stopped with
/// SIGSTOP): the read gives up after the store's read timeout instead of
/// holding its thread, other reads and writes go on meanwhile on other
/// connections, and the next read opens another connection. The evaluator's
/// writes (alert states) are bounded the same way.
@Suite("PostgreSQL reader timeout", .serialized)
struct PostgresReaderTimeoutTests {
    static let logger = PostgresEvaluatorStoreTests.logger

    // The limit only keeps a hang from holding the run: the time that counts is
    // checked below (given up within 2-10 s). It includes starting a private
    // PostgreSQL, which took most of two minutes in a loaded clock-shifted CI run.
    @Test(.timeLimit(.minutes(10))) func aReadTheDatabaseDoesNotAnswerIsGivenUpAndTheNextReconnects() async throws {
        try await PostgresEvaluatorStoreTests.withServer { _, settings in
            let store = try await PostgresStore.open(settings: settings, logger: Self.logger)
            store.readTimeout = .seconds(2)
            let events = PostgresStoreTests.traffic(seed: 7, count: 100, start: SystemWallClock().now() - 60_000)
                .joined()
            try await store.write(IngestBatch(events: Array(events)))
            let backend = try store.readers.withConnection { connection in
                try connection.rows("SELECT pg_backend_pid()", logger: Self.logger).first?.decode(Int32.self)
            }
            let stopped = try #require(backend)
            let matchers = [LabelMatcher.equal(Labels.metricName, EventMetrics.requestsTotal)]
            let now = SystemWallClock().now()

            kill(stopped, SIGSTOP)
            // A failed expectation must not leave the backend stopped (the server could not stop).
            defer { kill(stopped, SIGCONT) }
            let started = Date()
            let stuck = Task {
                try await BlockingWork.run { try store.select(matchers, from: now - 3_600_000, through: now) }
            }
            try #require(try await waitUntil(timeoutSeconds: 10, pollMillis: 10) { store.readers.idleCount == 0 })
            // Meanwhile another read and a write go on, on connections of their own.
            #expect(try await BlockingWork.run { try store.eventCount() } == Int64(events.count))
            try await store.write(IngestBatch(events: [InferenceEvent(timestamp: now - 1000, model: "m")]))
            await #expect(throws: ReaderTimeout.self) { _ = try await stuck.value }
            let waited = Date().timeIntervalSince(started)
            kill(stopped, SIGCONT)
            #expect(waited >= 2 && waited < 10, "gave up after \(waited) s")

            // The stopped reader's connection was closed: reads go on without it.
            store.readTimeout = .seconds(60)
            let series = try await BlockingWork.run { try store.select(matchers, from: now - 3_600_000, through: now) }
            #expect(!series.isEmpty)
            let backends = try store.readers.withConnection { connection in
                try connection.rows(
                    "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend'", logger: Self.logger
                ).map { try $0.decode(Int32.self) }
            }
            #expect(!backends.contains(stopped), "the stopped reader's session is still open")
            await store.close()
        }
    }

    @Test(.timeLimit(.minutes(10))) func anAlertStateWriteTheDatabaseDoesNotAnswerIsGivenUp() async throws {
        try await PostgresEvaluatorStoreTests.withServer { _, settings in
            let store = try await PostgresStore.open(settings: settings, logger: Self.logger)
            try await store.ping()
            let writer = try store.readers.withConnection { connection in
                try connection.rows(
                    """
                    SELECT pid FROM pg_stat_activity WHERE datname = current_database()
                      AND backend_type = 'client backend' AND pid <> pg_backend_pid()
                    """, logger: Self.logger
                ).map { try $0.decode(Int32.self) }
            }
            try #require(writer.count == 1, "backends besides this reader: \(writer)")
            store.writeTimeout = .seconds(2)
            kill(writer[0], SIGSTOP)
            let started = Date()
            await #expect(throws: WriterTimeout.self) { try await store.replaceAlertStates(groupKey: "g", with: []) }
            let waited = Date().timeIntervalSince(started)
            kill(writer[0], SIGCONT)
            #expect(waited >= 2 && waited < 10, "gave up after \(waited) s")

            store.writeTimeout = .seconds(60)
            try await store.replaceAlertStates(groupKey: "g", with: [])
            #expect(try await store.alertStates().isEmpty)
            await store.close()
        }
    }
}
