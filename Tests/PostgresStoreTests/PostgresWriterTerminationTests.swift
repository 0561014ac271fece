import Foundation
import InfermonCore
import InfermonTesting
import Logging
import PostgresNIO
import Store
import Testing

@testable import PostgresStore

/// The server ends the writer's session in the middle of a batch (as a fast
/// shutdown or a crash of PostgreSQL does): the write fails, the process goes
/// on, and the next write stores the batch on a new connection. (With the
/// events sent by `COPY`, PostgresNIO stopped the process when its next
/// CopyData or CopyDone met the closed connection, a moment this test cannot
/// choose; see `PostgresEventRows`.)
@Suite("PostgreSQL writer session ended mid-batch", .serialized)
struct PostgresWriterTerminationTests {
    static let logger = PostgresEvaluatorStoreTests.logger

    @Test func aBatchWhoseSessionEndsMidWayFailsAndTheNextWriteStoresIt() async throws {
        try await PostgresEvaluatorStoreTests.withServer { _, settings in
            let store = try await PostgresStore.open(settings: settings, logger: Self.logger)
            try await store.ping()
            // The first event of the batch waits in a trigger, so the session is mid-batch when it ends.
            try store.readers.withConnection { connection in
                _ = try connection.rows(
                    """
                    CREATE FUNCTION test_wait() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN IF NEW.request_id = 'wait-here' THEN PERFORM pg_sleep(60); END IF; RETURN NEW; END $$
                    """, logger: Self.logger)
                _ = try connection.rows(
                    "CREATE TRIGGER test_wait BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION test_wait()",
                    logger: Self.logger)
            }
            let start = SystemWallClock().now() - 60_000
            let prompt = String(repeating: "a long prompt ", count: 300)
            var events: [InferenceEvent] = (0..<5000).map { index in
                var event = InferenceEvent(
                    timestamp: start + Int64(index), requestID: "r-\(index)", model: "m", status: .ok, latency: 0.1)
                event.prompt = prompt
                return event
            }
            events[0].requestID = "wait-here"
            let batch = IngestBatch(events: events)

            let writing = Task { try await store.write(batch) }
            var waiting: [Int32] = []
            let reached = try await waitUntil(timeoutSeconds: 60, pollMillis: 50) {
                waiting = try store.readers.withConnection { connection in
                    try connection.rows(
                        "SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep'", logger: Self.logger
                    ).map { try $0.decode(Int32.self) }
                }
                return !waiting.isEmpty
            }
            try #require(reached, "the batch never reached the trigger")
            try store.readers.withConnection { connection in
                _ = try connection.rows("SELECT pg_terminate_backend(\(waiting[0]))", logger: Self.logger)
                _ = try connection.rows("DROP TRIGGER test_wait ON events", logger: Self.logger)
            }
            await #expect(throws: (any Error).self) { try await writing.value }
            #expect(try store.eventCount() == 0)

            try await store.write(batch)
            #expect(try store.eventCount() == Int64(events.count))
            await store.close()
        }
    }
}
