import InfermonCore
import InfermonTesting
import Logging
import PostgresNIO
import Store
import Testing

@testable import PostgresStore

/// The quality stage's state in PostgreSQL answers as the SQLite store does on
/// the same inputs (labels of every value kind, judgments, counts, the scored
/// events, calibrations, pruning), and the sampler's scan never passes an
/// event id that another writer has yet to commit.
@Suite("PostgreSQL quality state", .serialized)
struct PostgresQualityStoreTests {
    static let logger = Logger(label: "pg-quality-test")
    static let hour: Int64 = 3_600_000
    static let now = PostgresStoreTests.now

    /// Sixty events over the last two hours: two models (their names differ in case,
    /// so the order is the byte order SQLite uses), some without a request id,
    /// a response, a context or feedback.
    static func events() -> [InferenceEvent] {
        (0..<60).map { index in
            let requestID: String? = index % 10 == 9 ? nil : "q-\(index)"
            let response: String? = index % 8 == 7 ? nil : "answer \(index)"
            let context: String? = index % 6 == 5 ? nil : "context \(index)"
            let feedback: Double? = index % 4 == 0 ? Double(index % 3) / 2 : nil
            let timestamp: Timestamp = now - 2 * hour + Int64(index) * 120_000
            return InferenceEvent(
                timestamp: timestamp, requestID: requestID, model: index % 2 == 0 ? "m-a" : "M-b",
                route: index % 3 == 0 ? "/rag" : "/chat", prompt: "question \(index)", response: response,
                context: context, feedback: feedback)
        }
    }

    /// Labels of every kind, a repeated key within one call (the last wins), other
    /// names and sources, and labels for no event, old and new.
    static func labels() -> [TruthLabel] {
        var labels: [TruthLabel] = []
        for index in 0..<40 {
            let value: TruthValue =
                switch index % 3 {
                case 0: .bool(index % 4 == 0)
                case 1: .number(Double(index % 2))
                default: .string(["yes", "no", "maybe", "0.25"][index % 4])
                }
            labels.append(
                TruthLabel(
                    requestID: "q-\(index)", name: "hallucinated", value: value,
                    source: index < 20 ? "human" : "review",
                    receivedAt: now - Int64(index) * 60_000))
        }
        labels.append(
            TruthLabel(requestID: "q-2", name: "hallucinated", value: .bool(true), source: "human", receivedAt: now))
        labels.append(
            TruthLabel(requestID: "q-4", name: "outcome", value: .number(0.5), source: "human", receivedAt: now))
        labels.append(
            TruthLabel(
                requestID: "nobody-1", name: "hallucinated", value: .bool(false), source: "human",
                receivedAt: now - 2 * hour))
        labels.append(
            TruthLabel(
                requestID: "nobody-2", name: "hallucinated", value: .string("yes"), source: "human", receivedAt: now))
        return labels
    }

    /// Judgments of every third candidate by up to three judges, one of them
    /// given twice (the second replaces the first).
    static func judgments(_ candidates: [JudgeCandidate]) -> [Judgment] {
        var judgments: [Judgment] = []
        for (index, candidate) in candidates.enumerated() {
            func judgment(_ judge: String, _ verdict: Verdict, score: Double?, cost: Double = 0, failed: Bool = false)
                -> Judgment
            {
                Judgment(
                    eventID: candidate.eventID, requestID: candidate.requestID, eventTimestamp: candidate.timestamp,
                    judgedAt: now - Int64(index % 3) * hour, judge: judge, model: candidate.model,
                    route: candidate.route, verdict: verdict, score: score, reason: "reason \(index)", cost: cost,
                    failed: failed)
            }
            let failed = index % 7 == 6
            judgments.append(
                judgment(
                    "groundedness", failed ? .unknown : [.supported, .hallucinated, .unknown][index % 3],
                    score: index % 5 == 0 ? nil : Double(index % 10) / 10, failed: failed))
            if index % 2 == 0 {
                judgments.append(
                    judgment("llm", index % 3 == 0 ? .hallucinated : .supported, score: 0.5, cost: 0.01 * Double(index))
                )
            }
            if index % 5 == 0 { judgments.append(judgment("feedback", .supported, score: nil)) }
        }
        if let first = candidates.first {
            judgments.append(
                Judgment(
                    eventID: first.eventID, requestID: first.requestID, eventTimestamp: first.timestamp, judgedAt: now,
                    judge: "groundedness", model: first.model, route: first.route, verdict: .hallucinated, score: 0.9,
                    reason: "second look"))
        }
        return judgments
    }

    @Test func labelsJudgmentsCountsAndCalibrationsAnswerAsSQLiteDoes() async throws {
        try await PostgresEvaluatorStoreTests.withServer { _, settings in
            let clock = ManualClock(now: Self.now)
            let directory = try TemporaryDirectory()
            let sqlite = try SQLiteStore(path: directory.file("store.db"), clock: clock, logger: Self.logger)
            defer { sqlite.close() }
            let postgres = try await PostgresStore.open(settings: settings, clock: clock, logger: Self.logger)
            let stores: [any JudgmentStore & GoldJudgmentStore & IngestSink] = [sqlite, postgres]
            var answers: [[String]] = [[], []]
            for (index, store) in stores.enumerated() {
                func note(_ what: String, _ value: Any) { answers[index].append("\(what): \(value)") }
                // Half the labels come with a file batch, half on their own; some before their events.
                let labels = Self.labels()
                var batch = IngestBatch(events: Self.events())
                batch.labels = Array(labels.prefix(20))
                note("stored", try await store.recordLabels(Array(labels.dropFirst(20))))
                try await store.write(batch)
                let rows = try await store.scanEvents(afterEventID: 0, limit: 1000)
                note("scan", rows)
                note("scan after 30", try await store.scanEvents(afterEventID: 30, limit: 7))
                let candidates = try await store.candidates(
                    eventIDs: rows.filter { $0.eventID % 3 == 0 }.map(\.eventID) + [999_999])
                note("candidates", candidates)
                try await store.record(Self.judgments(candidates), cursor: "quality", position: rows.last!.eventID)
                note("cursor", try await store.judgeCursor("quality"))
                note("no cursor", try await store.judgeCursor("other"))
                note("counts", try await store.verdictCounts(from: Self.now - 3 * Self.hour, through: Self.now))
                note("counts late", try await store.verdictCounts(from: Self.now - Self.hour, through: Self.now))
                // Costs are summed in either store's order: compared to a billionth.
                for (judge, since) in [("llm", Self.now - Self.hour), ("llm", 0), ("nobody", 0)] {
                    let usage = try await store.judgeUsage(judge: judge, since: since)
                    note("usage", "\(usage.count) \((usage.cost * 1e9).rounded())")
                }
                for candidate in candidates.prefix(4) {
                    note("judgments", try await store.judgments(eventID: candidate.eventID))
                }
                let policy = GoldPolicy(sources: ["human", "llm", "review"], scorer: "groundedness")
                note(
                    "scored",
                    try await store.scoredEvents(policy: policy, from: Self.now - 3 * Self.hour, through: Self.now))
                note(
                    "scored human",
                    try await store.scoredEvents(
                        policy: GoldPolicy(sources: ["human"], scorer: "groundedness"), from: Self.now - Self.hour,
                        through: Self.now))
                for (name, horizon, at) in [
                    ("hallucinated", 600_000, Self.now), ("hallucinated", 600_000, Self.now + 2 * Self.hour),
                    ("hallucinated", 30 * 60_000, Self.now + 20 * 60_000), ("outcome", 600_000, Self.now),
                ] {
                    note("label counts", try await store.labelCounts(name: name, horizon: Int64(horizon), now: at))
                }
                try await store.storeCalibration(model: "m-a", route: "/rag", document: "{\"a\":1}", at: Self.now)
                try await store.storeCalibration(model: "M-b", route: "/rag", document: "{\"b\":1}", at: Self.now)
                try await store.storeCalibration(model: "m-a", route: "/rag", document: "{\"a\":2}", at: Self.now)
                note("calibrations", try await store.calibrations())
                note("pruned judgments", try await store.pruneJudgments(before: Self.now - Self.hour))
                note("pruned labels", try await store.pruneLabels(before: Self.now - 30 * 60_000))
                note("counts after", try await store.verdictCounts(from: 0, through: Self.now))
                note("label counts after", try await store.labelCounts(name: "hallucinated", horizon: 0, now: Self.now))
            }
            // The detectors' and canaries' event windows with the judged column, read from the judgments.
            let window = EventWindowQuery(
                from: Self.now - Self.hour, through: Self.now, requestIDs: true, hallucination: true)
            let judged = try sqlite.eventColumns(window)
            #expect(judged.contains { ($0.numeric[EventColumnName.hallucinated] ?? []).contains(1) })
            let fromPostgres = try postgres.eventColumns(window)
            #expect(fromPostgres.map(Self.comparable) == judged.map(Self.comparable))
            await postgres.close()
            #expect(answers[0].count == answers[1].count)
            for (fromSQLite, fromPostgres) in zip(answers[0], answers[1]) { #expect(fromPostgres == fromSQLite) }
            // The inputs reach every case the comparison is meant to cover.
            let scored = try #require(answers[0].first { $0.hasPrefix("scored:") })
            #expect(scored.contains("gold: Optional(1.0)") && scored.contains("gold: Optional(0.0)"))
            let counts = answers[0].filter { $0.hasPrefix("label counts:") }.joined(separator: "\n")
            for state in ["joined", "pending", "orphaned", "neverLabelled"] {
                #expect((1...9).contains { counts.contains("\(state): \($0)") }, "no \(state) in \(counts)")
            }
        }
    }

    /// A window's columns with NaN (no value) compared as equal, as `==` on doubles never does.
    static func comparable(_ columns: EventColumns) -> [String] {
        ["\(columns.model) \(columns.timestamps) \(String(describing: columns.requestIDs))"]
            + columns.numeric.keys.sorted().map { "\($0): \(columns.numeric[$0]!)" }
            + columns.categorical.keys.sorted().map { "\($0): \(columns.categorical[$0]!)" }
    }

    @Test func theScanWaitsForAnIdStillInFlight() async throws {
        try await PostgresEvaluatorStoreTests.withServer { _, settings in
            let store = try await PostgresStore.open(settings: settings, logger: Self.logger)
            try await store.write(IngestBatch(events: Array(Self.events().prefix(2))))
            let first = try await store.scanEvents(afterEventID: 0, limit: 100)
            #expect(first.map(\.eventID) == [1, 2])
            // Another writer's transaction draws id 3 and has not committed when ids 4-6 do.
            let other = try await PostgresConnection.test(settings: settings, logger: Self.logger)
            try await other.query("BEGIN", logger: Self.logger)
            try await other.query("SELECT txid_current()", logger: Self.logger)
            var held: Int64 = 0
            for try await id in try await other.query("SELECT nextval('events_id_seq')", logger: Self.logger)
                .decode(Int64.self)
            { held = id }
            #expect(held == 3)
            try await store.write(IngestBatch(events: Array(Self.events()[2..<5])))
            let during = try await store.scanEvents(afterEventID: 2, limit: 100)
            #expect(during.allSatisfy { $0.eventID < held }, "the scan passed id \(held) still in flight")
            try await other.query(
                """
                INSERT INTO events (id, ts, key_id, request_id, response)
                SELECT \(held), ts, key_id, 'late', 'an answer' FROM events WHERE id = 1
                """, logger: Self.logger)
            try await other.query("COMMIT", logger: Self.logger)
            let after = try await store.scanEvents(afterEventID: during.last?.eventID ?? 2, limit: 100)
            #expect(after.map(\.eventID) == [3, 4, 5, 6])
            #expect(after.first?.requestID == "late")
            try await other.close()
            await store.close()
        }
    }
}

extension PostgresConnection {
    /// A connection of the test's own, as another daemon's writer would hold.
    static func test(settings: PostgresSettings, logger: Logger) async throws -> PostgresConnection {
        try await PostgresConnector(settings: settings, logger: logger).connect()
    }
}
