import InfermonCore
import InfermonTesting
import Logging
import PostgresNIO
import Query
import Store
import Testing

@testable import PostgresStore

/// `infermon store copy` run as the built binary, from an SQLite store into a
/// private PostgreSQL 15: the copy answers PromQL as the SQLite store does and
/// holds the same events, texts and evaluator state; an interrupted copy
/// resumes exactly; raw events removed by retention still count; a database
/// that holds events is refused unless `--append`.
@Suite("StoreCopy", .serialized)
struct StoreCopyTests {
    static let logger = Logger(label: "store-copy-test")
    static let minute = PostgresStoreTests.minute
    static let hour = PostgresStoreTests.hour
    static let now = PostgresStoreTests.now

    /// Runs the built `infermon` and waits for it.
    static func infermon(_ arguments: [String], _ directory: TemporaryDirectory, _ name: String) async throws -> (
        code: Int32, out: String, err: String
    ) {
        let child = try ChildProcess(
            executable: ChildProcess.infermonBinary(), arguments: arguments, outputPrefix: directory.file(name))
        let code = try await child.wait()
        return (code, child.standardOutput(), child.standardError())
    }

    static func copyArguments(_ database: String, _ server: PostgresProcess, _ extra: [String] = []) -> [String] {
        [
            "store", "copy", "--from", "sqlite:\(database)", "--to", "postgres:\(server.url)", "--password-file",
            server.passwordFile, "--host-name", "copy-host",
        ] + extra
    }

    /// Every event with its label set and source, in copy order, as text (numbers
    /// through Double, so both stores' renderings compare).
    static func postgresEvents(_ store: PostgresStore) throws -> [[String]] {
        let columns = [
            "e.ts", "k.model", "k.model_version", "k.route", "k.tenant", "k.status", "s.name", "e.request_id",
            "e.error_type", "e.latency", "e.ttft", "e.prompt_tokens", "e.completion_tokens", "e.cached_tokens",
            "e.reasoning_tokens", "e.cache_write_tokens", "e.cost", "e.finish_reason", "e.streamed::int",
            "e.prediction_number", "e.prediction_text", "e.label_number", "e.label_text", "e.feedback", "e.features",
            "e.attributes", "e.prompt", "e.response", "e.context",
        ]
        let list = columns.map { "coalesce(\($0)::text, '∅')" }.joined(separator: ", ")
        return try store.readers.withConnection { connection in
            try connection.rows(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT ARRAY[\(list)] FROM events e JOIN event_keys k ON k.id = e.key_id
                        LEFT JOIN sources s ON s.id = e.source_id ORDER BY e.id
                        """), logger: logger
            ).map { row in
                let values = try row.decode([String].self)
                return values.enumerated().map { index, value in
                    [9, 10, 16, 19, 21, 23].contains(index) && value != "∅" ? "\(Double(value)!)" : value
                }
            }
        }
    }

    static func sqliteEvents(_ path: String) throws -> [[String]] {
        try SQLiteCopySource(path: path).eventsForComparison().map { row in
            row.map { value in
                switch value {
                case .null: "∅"
                case .int(let number): "\(number)"
                case .real(let number): "\(number)"
                case .text(let text): text
                case .blob: "blob"
                }
            }
        }
    }

    /// The same answers from both stores for `queries` at `times` and over the range.
    static func expectSameAnswers(
        _ queries: [String], sqlite: SQLiteStore, postgres: PostgresStore, start: Timestamp, step: Int64,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws {
        let engine = QueryEngine()
        var compared = 0
        var time = start + 20 * minute
        while time <= now {
            for query in queries {
                let expected = try engine.instant(query, at: time, querier: sqlite, sketches: sqlite)
                let actual = try engine.instant(query, at: time, querier: postgres, sketches: postgres)
                #expect(
                    PostgresStoreTests.same(expected, actual), "\(query) at now-\((now - time) / minute)m",
                    sourceLocation: sourceLocation)
                if case .vector(let samples) = expected, !samples.isEmpty { compared += 1 }
            }
            time += step
        }
        for query in queries where !query.contains("over_time(0") || query.hasPrefix("sketch") {
            let expected = try engine.range(
                query, start: start, end: now, step: 5 * minute, querier: sqlite, sketches: sqlite)
            let actual = try engine.range(
                query, start: start, end: now, step: 5 * minute, querier: postgres, sketches: postgres)
            #expect(PostgresStoreTests.same(expected, actual), "range \(query)", sourceLocation: sourceLocation)
        }
        #expect(compared > queries.count * 3, sourceLocation: sourceLocation)
    }

    @Test func anInterruptedCopyResumesAndAnswersAsTheSQLiteStore() async throws {
        guard PostgresProcess.binDirectory != nil else {
            Issue.record(Comment(rawValue: PostgresProcess.notInstalled))
            return
        }
        let server = try await PostgresProcess(settings: ["fsync": "off"])
        let directory = try TemporaryDirectory()
        let clock = ManualClock(now: Self.now)
        let start = Self.now - 2 * Self.hour - 10 * Self.minute
        let path = directory.file("host.db")

        // An SQLite store as a daemon leaves it: events of three models and two
        // tenants with errors and texts (long ones stored as zstd frames),
        // pushed events with request ids, dead letters and a checkpoint, a
        // detector's series, a silence, an alert state, a notification, a baseline.
        let sqlite = try SQLiteStore(path: path, clock: clock, logger: Self.logger)
        var index = 0
        for (number, events) in PostgresStoreTests.traffic(seed: 41, count: 6_000, start: start).enumerated() {
            let events = events.map { event -> InferenceEvent in
                var event = event
                index += 1
                if index % 40 == 0 {
                    event.response = String(repeating: "answer \(index) with a long explanation. ", count: 60)
                    event.context = "retrieved\tdocument \(index)\n" + String(repeating: "context ", count: 100)
                    event.attributes = "{\"trace\":\"" + String(repeating: "t\(index % 7)", count: 300) + "\"}"
                    event.prediction = .category("spam")
                    event.label = .number(Double(index % 2))
                    event.feedback = 0.5
                    event.finishReason = "stop"
                }
                return event
            }
            var batch = IngestBatch(events: events)
            batch.deduplicateByRequestID = true
            if number == 5 {
                batch.deadLetters = [
                    DeadLetter(
                        source: "app", kind: .invalidJSON, location: "/var/log/app.jsonl", line: 17,
                        reason: "unexpected end", excerpt: Array("{\"model\":".utf8), receivedAt: start)
                ]
                batch.checkpoints = [
                    SourceCheckpoint(
                        source: "app", inputKey: "8:42", path: "/var/log/app.jsonl", offset: 9_000, lineNumber: 90,
                        fingerprint: 0xbeef, fingerprintLength: 1024)
                ]
            }
            try await sqlite.write(batch, source: number % 2 == 0 ? "app" : "push")
        }
        let scores = (0..<120).map { step in
            (
                labels: Labels(name: "infermon_drift_score", ["feature": "temperature", "test": "psi"]),
                sample: Sample(start + Int64(step) * Self.minute, Double(step % 17) / 10)
            )
        }
        try await sqlite.append(scores)
        let silence = Silence(
            id: "s1", matchers: [.equal("model", "llama")], startsAt: start, endsAt: Self.now + Self.hour,
            createdBy: "ops", comment: "known slow", updatedAt: start)
        try await sqlite.saveSilence(silence)
        let alertLabels = Labels(name: "ALERTS", ["alertname": "SlowRequest", "model": "llama"])
        let state = StoredAlertState(
            groupKey: "rules.yaml;latency", rule: "SlowRequest", occurrence: 0, labels: alertLabels,
            annotations: ["summary": "slow"], state: .firing, activeAt: start, firedAt: start + Self.minute,
            lastSentAt: start + Self.minute)
        try await sqlite.replaceAlertStates(groupKey: state.groupKey, with: [state])
        let alert = Alert(
            labels: alertLabels, annotations: ["summary": "slow"], startsAt: start, endsAt: Self.now,
            generatorURL: "http://x")
        let entry = NotificationLogEntry(
            groupKey: "{}:{model=\"llama\"}", integration: "hook/webhook[0]", sentAt: start + Self.minute,
            firing: [alert], resolved: [3])
        let message = OutboxMessage(
            id: "m1", integration: "hook/webhook[0]", groupKey: entry.groupKey, body: Array("{}".utf8),
            createdAt: start, expiresAt: Self.now + Self.hour)
        try await sqlite.enqueue([message], log: [entry])
        let baseline = DriftBaseline(
            name: "launch", from: start, through: start + Self.hour, createdAt: start + Self.hour,
            columns: try sqlite.eventColumns(EventWindowQuery(from: start, through: start + Self.hour)))
        try await sqlite.saveBaseline(baseline)
        sqlite.close()

        // Interrupted twice (in the events, then in the rollups), then finished.
        let arguments = Self.copyArguments(path, server, ["--batch", "1000"])
        let first = try await Self.infermon(arguments + ["--stop-after-chunks", "4"], directory, "copy-1")
        #expect(first.code == 1)
        #expect(first.err.contains("stopped after 4 chunks"), "\(first.err)")
        let second = try await Self.infermon(arguments + ["--stop-after-chunks", "3"], directory, "copy-2")
        #expect(second.code == 1)
        #expect(second.err.contains("resuming"), "\(second.err)")
        let began = ContinuousClock.now
        let third = try await Self.infermon(arguments, directory, "copy-3")
        let seconds = ContinuousClock.now - began
        #expect(third.code == 0, "\(third.err)")
        #expect(third.out.contains("(resumed)"))
        print("store copy finished in \(seconds) (third run):\n\(third.out)")

        let reopened = try SQLiteStore(path: path, clock: clock, logger: Self.logger)
        var settings = try PostgresStoreTests.settings(server)
        settings.hostName = "copy-host"
        let postgres = try await PostgresStore.open(settings: settings, clock: clock, logger: Self.logger)
        try Self.expectSameAnswers(
            PostgresStoreTests.queries, sqlite: reopened, postgres: postgres, start: start, step: 17 * Self.minute)
        let expectedEvents = try Self.sqliteEvents(path)
        let copiedEvents = try Self.postgresEvents(postgres)
        #expect(expectedEvents.count == 6_000)
        #expect(copiedEvents.count == expectedEvents.count)
        #expect(copiedEvents == expectedEvents)
        #expect(copiedEvents.contains { $0[27].hasPrefix("answer 40 with") })
        #expect(try await postgres.silences() == [silence])
        #expect(try await postgres.alertStates() == [state])
        #expect(try await postgres.notificationLog() == [entry])
        #expect(try await postgres.outboxMessages() == [message])
        // The baseline's bytes (its columns hold NaN for missing values, which `==` never equals).
        let copiedBaseline = try #require(try postgres.baseline(named: "launch"))
        let storedBaseline = try #require(try reopened.baseline(named: "launch"))
        #expect(BaselineCodec.encode(copiedBaseline.columns) == BaselineCodec.encode(storedBaseline.columns))
        #expect(copiedBaseline.columns.reduce(0) { $0 + $1.count } == baseline.columns.reduce(0) { $0 + $1.count })
        #expect(copiedBaseline.createdAt == baseline.createdAt && copiedBaseline.through == baseline.through)
        #expect(try postgres.checkpoints(source: "app") == reopened.checkpoints(source: "app"))
        let letters = try postgres.readers.withConnection { connection in
            try connection.rows("SELECT reason, host FROM dead_letters", logger: Self.logger).map {
                try $0.decode((String, String).self)
            }
        }
        #expect(letters.map(\.0) == ["unexpected end"] && letters.map(\.1) == ["copy-host"])
        // Request ids came along: a retried push of copied events is dropped by the new store.
        var retry = IngestBatch(events: [InferenceEvent(timestamp: Self.now - Self.minute, requestID: "req-5")])
        retry.deduplicateByRequestID = true
        try await postgres.write(retry)
        #expect(try postgres.eventCount() == 6_000)
        await postgres.close()
        reopened.close()
        try await server.stop()
    }

    @Test func rollupsOutliveRetentionAndAFullDatabaseIsRefusedUnlessAppend() async throws {
        guard PostgresProcess.binDirectory != nil else {
            Issue.record(Comment(rawValue: PostgresProcess.notInstalled))
            return
        }
        let server = try await PostgresProcess(settings: ["fsync": "off"])
        let directory = try TemporaryDirectory()
        let clock = ManualClock(now: Self.now)
        let day = 24 * Self.hour
        let start = Self.now - 3 * day
        let path = directory.file("old.db")
        let options = StoreOptions(retention: RetentionPolicy(events: .milliseconds(day)))
        let sqlite = try SQLiteStore(path: path, options: options, clock: clock, logger: Self.logger)
        var random = SeededGenerator(seed: 9)
        let events = (0..<3_000).map { index in
            InferenceEvent(
                timestamp: start + Int64(index) * (3 * day) / 3_000, model: index % 3 == 0 ? "a" : "b",
                status: index % 11 == 0 ? .error : .ok, latency: Double.random(in: 0.05..<2, using: &random),
                promptTokens: index % 500, cost: 0.001)
        }
        for slice in stride(from: 0, to: events.count, by: 500) {
            try await sqlite.write(IngestBatch(events: Array(events[slice..<slice + 500])))
        }
        while try await !sqlite.enforceRetention(now: clock.now()).isComplete {}
        let kept = try SQLiteCopySource(path: path).count("events")
        #expect(kept > 0 && kept < 1_200)
        sqlite.close()

        let copied = try await Self.infermon(Self.copyArguments(path, server), directory, "copy")
        #expect(copied.code == 0, "\(copied.err)")
        let reopened = try SQLiteStore(path: path, options: options, clock: clock, logger: Self.logger)
        let postgres = try await PostgresStore.open(
            settings: try PostgresStoreTests.settings(server), clock: clock, logger: Self.logger)
        #expect(try postgres.eventCount() == kept)
        let counters = [
            "sum(infermon_requests_total)", "sum by (model, status) (infermon_requests_total)",
            "sum by (model) (increase(infermon_requests_total[6h]))", "sum(infermon_tokens_total) by (type)",
            "histogram_quantile(0.5, sum by (le) (rate(infermon_request_duration_seconds_bucket[1h])))",
            "sum(infermon_cost_usd_total)",
        ]
        try Self.expectSameAnswers(counters, sqlite: reopened, postgres: postgres, start: start, step: 5 * Self.hour)
        let engine = QueryEngine()
        func total() throws -> Double {
            guard
                case .vector(let samples) = try engine.instant(
                    "sum(infermon_requests_total)", at: Self.now, querier: postgres, sketches: postgres)
            else { return -1 }
            return samples.first?.value ?? -1
        }
        #expect(try total() == 3_000)

        // Again into the same database: refused, nothing written; with --append, added.
        let refused = try await Self.infermon(Self.copyArguments(path, server), directory, "again")
        #expect(refused.code == 1)
        #expect(refused.err.contains("already holds events") && refused.err.contains("--append"), "\(refused.err)")
        #expect(try total() == 3_000)
        let appended = try await Self.infermon(Self.copyArguments(path, server, ["--append"]), directory, "append")
        #expect(appended.code == 0, "\(appended.err)")
        #expect(try total() == 6_000)
        #expect(try postgres.eventCount() == 2 * kept)
        await postgres.close()
        reopened.close()
        try await server.stop()
    }
}
