import InfermonCore
import InfermonTesting
import Logging
import PostgresNIO
import Store
import Testing

@testable import PostgresStore

/// What the elected evaluator keeps in PostgreSQL, the election itself, the
/// detectors' event windows and a retried file batch, against a private
/// PostgreSQL 15 (one server for the suite's tests, each its own database state).
@Suite("PostgreSQL evaluator state", .serialized)
struct PostgresEvaluatorStoreTests {
    static let logger = Logger(label: "pg-evaluator-test")

    /// Runs `body` against a fresh server, stopped afterwards even when the body throws.
    static func withServer(_ body: (PostgresProcess, PostgresSettings) async throws -> Void) async throws {
        guard PostgresProcess.binDirectory != nil else {
            Issue.record(Comment(rawValue: PostgresProcess.notInstalled))
            return
        }
        let server = try await PostgresProcess(settings: ["fsync": "off"])
        do {
            try await body(server, try PostgresStoreTests.settings(server))
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }

    @Test func aRetriedFileBatchWhoseCommitWasNotAcknowledgedIsStoredOnce() async throws {
        try await Self.withServer { _, settings in
            let clock = ManualClock(now: PostgresStoreTests.now)
            let store = try await PostgresStore.open(settings: settings, clock: clock, logger: Self.logger)
            let events = PostgresStoreTests.traffic(seed: 3, count: 400, start: PostgresStoreTests.now - 3 * 3_600_000)
                .joined().map { event -> InferenceEvent in
                    var copy = event
                    copy.requestID = nil
                    return copy
                }
            func batch(_ slice: ArraySlice<InferenceEvent>, offset: Int64) -> IngestBatch {
                var batch = IngestBatch(
                    events: Array(slice),
                    checkpoints: [
                        SourceCheckpoint(
                            source: "app", inputKey: "8:42", path: "/var/log/app.jsonl", offset: offset,
                            lineNumber: offset / 100, fingerprint: 0xfeed, fingerprintLength: 1024)
                    ])
                batch.source = "app"
                return batch
            }
            let first = batch(events[0..<200], offset: 20_000)
            try await store.write(first)
            // The same batch again, as a collector retries one whose COMMIT answer was lost.
            try await store.write(first)
            #expect(try store.eventCount() == 200)
            try await store.write(batch(events[200...], offset: 40_000))
            #expect(try store.eventCount() == 400)
            let requests = try store.select(
                [.equal(Labels.metricName, EventMetrics.requestsTotal)], from: PostgresStoreTests.now - 4 * 3_600_000,
                through: PostgresStoreTests.now)
            let counted = requests.reduce(0.0) { $0 + ($1.samples.last?.value ?? 0) }
            #expect(counted == 400)
            #expect(try store.checkpoints(source: "app").map(\.offset) == [40_000])
            await store.close()
        }
    }

    @Test func alertStatesOutboxLogSilencesAndBaselinesSurviveInTheSharedStore() async throws {
        try await Self.withServer { _, settings in
            let first = try await PostgresStore.open(settings: settings, logger: Self.logger)
            let labels = Labels(name: "ALERTS", ["alertname": "SlowRequest", "model": "a"])
            let state = StoredAlertState(
                groupKey: "rules.yaml;latency", rule: "SlowRequest", occurrence: 0, labels: labels,
                annotations: ["summary": "slow", "empty": ""], state: .firing, activeAt: 1000, firedAt: 2000,
                lastSentAt: 2500)
            try await first.replaceAlertStates(groupKey: state.groupKey, with: [state])
            try await first.replaceAlertStates(groupKey: "gone.yaml;x", with: [])
            let alert = Alert(
                labels: labels, annotations: ["summary": "slow"], startsAt: 2000, endsAt: 9000, generatorURL: "http://x"
            )
            let entry = NotificationLogEntry(
                groupKey: "{}:{model=\"a\"}", integration: "hook/webhook[0]", sentAt: 3000, firing: [alert],
                resolved: [7, 9])
            let messages = (0..<3).map { index in
                OutboxMessage(
                    id: "m\(index)", integration: index == 2 ? "other/webhook[0]" : "hook/webhook[0]",
                    groupKey: entry.groupKey, body: Array("body \(index)".utf8), createdAt: 3000 + Int64(index),
                    expiresAt: 90_000)
            }
            try await first.enqueue(messages, log: [entry])
            try await first.reschedule(id: "m0", attempts: 2, nextAttemptAt: 5000, error: "503")
            let silence = Silence(
                id: "s1", matchers: [.equal("model", "a")], startsAt: 0, endsAt: 10_000, createdBy: "me",
                comment: "known", updatedAt: 1)
            try await first.saveSilence(silence)
            await first.close()

            // Another daemon (the next evaluator) reads it all back.
            let next = try await PostgresStore.open(settings: settings, logger: Self.logger)
            #expect(try await next.alertStates() == [state])
            #expect(try await next.notificationLog() == [entry])
            #expect(try await next.outboxHeads().map(\.id) == ["m0", "m2"])
            #expect(try await next.outboxHeads().first?.attempts == 2)
            #expect(try await next.outboxMessages().map(\.body) == messages.map(\.body))
            try await next.markDelivered(id: "m0")
            try await next.deadLetter(id: "m1", reason: "expired", at: 95_000)
            #expect(try await next.outboxMessages().map(\.id) == ["m2"])
            #expect(try await next.deadNotifications(limit: 10).map(\.message.id) == ["m1"])
            #expect(try await next.deadLetterCounts() == ["hook/webhook[0]": 1])
            #expect(try await next.silences() == [silence])
            #expect(try await next.deleteSilences(endedBefore: 20_000) == 1)
            #expect(try await next.deleteAlertStates(exceptGroups: []) == 1)
            #expect(try await next.pruneNotificationLog(sentBefore: 4000) == 1)
            await next.close()
        }
    }

    @Test func eventWindowsAndBaselinesReadAsFromSQLite() async throws {
        try await Self.withServer { _, settings in
            let directory = try TemporaryDirectory()
            let start = PostgresStoreTests.now - 2 * 3_600_000 - 600_000
            let batches = PostgresStoreTests.traffic(seed: 11, count: 2_000, start: start)
            let sqlite = try SQLiteStore(path: directory.file("one.db"), logger: Self.logger)
            let postgres = try await PostgresStore.open(settings: settings, logger: Self.logger)
            for batch in batches {
                try sqlite.writeSynchronously(IngestBatch(events: batch))
                try await postgres.write(IngestBatch(events: batch))
            }
            for query in [
                EventWindowQuery(from: start, through: PostgresStoreTests.now),
                EventWindowQuery(
                    from: start + 1_800_000, through: start + 3_600_000, model: "llama", responsePrefixLength: 4,
                    limitPerModel: 50, requestIDs: true),
            ] {
                let expected = try sqlite.eventColumns(query)
                let actual = try postgres.eventColumns(query)
                #expect(!expected.isEmpty)
                #expect(actual == expected)
            }
            let baseline = DriftBaseline(
                name: "launch", from: start, through: start + 3_600_000, createdAt: 5,
                columns: try sqlite.eventColumns(EventWindowQuery(from: start, through: start + 3_600_000)))
            try await postgres.saveBaseline(baseline)
            #expect(try postgres.baseline(named: "launch") == baseline)
            #expect(try postgres.baselines().map(\.events) == [baseline.columns.reduce(0) { $0 + $1.count }])
            await postgres.close()
            sqlite.close()
        }
    }

    @Test func theEvaluatorLockPassesToAnotherDaemonWhenItsSessionDies() async throws {
        try await Self.withServer { _, settings in
            var first = settings
            first.hostName = "host-a"
            var second = settings
            second.hostName = "host-b"
            let a = try await PostgresStore.open(settings: first, logger: Self.logger)
            let b = try await PostgresStore.open(settings: second, logger: Self.logger)
            let lockA = PostgresEvaluatorLock(store: a, lease: .seconds(3))
            let lockB = PostgresEvaluatorLock(store: b, lease: .seconds(3))
            #expect(try PostgresEvaluatorLock.holder(store: a) == nil)
            #expect(try await lockA.tryAcquire())
            #expect(try await !lockB.tryAcquire())
            #expect(try await lockA.tryAcquire())  // re-entrant on its own session
            #expect(try PostgresEvaluatorLock.holder(store: b) == "infermon evaluator host-a")
            try await lockA.check()

            // A's session dies as when its process is killed: the server ends it.
            let ended = try b.readers.withConnection { connection in
                try connection.rows(
                    """
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE application_name = 'infermon evaluator host-a'
                    """, logger: Self.logger
                ).count
            }
            #expect(ended == 1)
            let tookOver = try await waitUntil(timeoutSeconds: 10) { try await lockB.tryAcquire() }
            #expect(tookOver)
            #expect(try PostgresEvaluatorLock.holder(store: a) == "infermon evaluator host-b")
            await #expect(throws: (any Error).self) { try await lockA.check() }
            await lockA.release()
            await lockB.release()
            // The server ends the released session's backend a moment after the client closes it.
            #expect(try await waitUntil(timeoutSeconds: 10) { try PostgresEvaluatorLock.holder(store: a) == nil })
            await a.close()
            await b.close()
        }
    }
}
