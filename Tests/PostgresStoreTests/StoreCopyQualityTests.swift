import InfermonCore
import InfermonTesting
import Logging
import PostgresNIO
import Store
import Testing

@testable import PostgresStore

/// `infermon store copy` carries the quality stage's state over: judgments
/// under their events' new ids (and those whose events retention removed),
/// truth labels of every value kind, the scan cursor at the same event, and
/// calibrations. An interrupted copy resumes, and the copy answers as the
/// SQLite store does.
@Suite("StoreCopy quality state", .serialized)
struct StoreCopyQualityTests {
    static let logger = Logger(label: "store-copy-quality-test")
    static let now = PostgresStoreTests.now
    static let hour = PostgresStoreTests.hour

    /// 300 events; every other one judged, up to the 200th (the rest wait for the
    /// sampler), and two judged events that retention removed.
    static func fill(_ store: SQLiteStore) async throws -> Int64 {
        let events = (0..<300).map { index in
            InferenceEvent(
                timestamp: now - 2 * hour + Int64(index) * 20_000, requestID: "e-\(index)",
                model: index % 3 == 0 ? "m-a" : "M-b", route: "/rag", response: "answer \(index)",
                context: "context \(index)")
        }
        for start in stride(from: 0, to: events.count, by: 50) {
            try await store.write(IngestBatch(events: Array(events[start..<start + 50])))
        }
        let rows = try await store.scanEvents(afterEventID: 0, limit: 1000)
        let candidates = try await store.candidates(eventIDs: rows.prefix(200).map(\.eventID).filter { $0 % 2 == 0 })
        var judgments: [Judgment] = []
        for (index, candidate) in candidates.enumerated() {
            judgments.append(
                Judgment(
                    eventID: candidate.eventID, requestID: candidate.requestID, eventTimestamp: candidate.timestamp,
                    judgedAt: now - hour, judge: "groundedness", model: candidate.model, route: candidate.route,
                    verdict: index % 4 == 0 ? .hallucinated : .supported, score: Double(index % 10) / 10,
                    reason: "scored"))
            if index % 3 == 0 {
                judgments.append(
                    Judgment(
                        eventID: candidate.eventID, requestID: candidate.requestID,
                        eventTimestamp: candidate.timestamp, judgedAt: now - hour, judge: "llm",
                        model: candidate.model, route: candidate.route, verdict: .supported, score: nil,
                        reason: "asked", cost: 0.002))
            }
        }
        for gone in [10_001, 10_002] as [Int64] {
            judgments.append(
                Judgment(
                    eventID: gone, requestID: "gone-\(gone)", eventTimestamp: now - hour, judgedAt: now - hour,
                    judge: "groundedness", model: "m-a", route: "/rag", verdict: .hallucinated, score: 0.8,
                    reason: "event removed"))
        }
        let cursor = rows[199].eventID
        try await store.record(judgments, cursor: "quality", position: cursor)
        var labels: [TruthLabel] = []
        for index in 0..<120 {
            let value: TruthValue =
                switch index % 3 {
                case 0: .bool(index % 4 == 0)
                case 1: .number(0.75)
                default: .string("no")
                }
            labels.append(
                TruthLabel(
                    requestID: "e-\(index)", name: "hallucinated", value: value, source: "human",
                    receivedAt: now - Int64(index) * 30_000))
        }
        labels.append(
            TruthLabel(
                requestID: "gone-10001", name: "hallucinated", value: .bool(true), source: "human",
                receivedAt: now - hour))
        try await store.recordLabels(labels)
        try await store.storeCalibration(model: "m-a", route: "/rag", document: #"{"m":"a"}"#, at: now)
        try await store.storeCalibration(model: "M-b", route: "/rag", document: #"{"m":"b"}"#, at: now)
        return cursor
    }

    @Test func judgmentsLabelsCursorAndCalibrationsComeAlong() async throws {
        guard PostgresProcess.binDirectory != nil else {
            Issue.record(Comment(rawValue: PostgresProcess.notInstalled))
            return
        }
        let server = try await PostgresProcess(settings: ["fsync": "off"])
        let directory = try TemporaryDirectory()
        let path = directory.file("host.db")
        let clock = ManualClock(now: Self.now)
        let filled = try SQLiteStore(path: path, clock: clock, logger: Self.logger)
        let cursor = try await Self.fill(filled)
        filled.close()

        let arguments = StoreCopyTests.copyArguments(path, server, ["--batch", "64"])
        let first = try await StoreCopyTests.infermon(arguments + ["--stop-after-chunks", "2"], directory, "copy-1")
        #expect(first.code == 1 && first.err.contains("stopped after 2 chunks"), "\(first.err)")
        let second = try await StoreCopyTests.infermon(arguments, directory, "copy-2")
        #expect(second.code == 0 && second.out.contains("(resumed)"), "\(second.out)\n\(second.err)")

        let sqlite = try SQLiteStore(path: path, clock: clock, logger: Self.logger)
        let postgres = try await PostgresStore.open(
            settings: try PostgresStoreTests.settings(server), clock: clock, logger: Self.logger)
        let stores: [any JudgmentStore & GoldJudgmentStore] = [sqlite, postgres]
        var answers: [[String]] = [[], []]
        for (index, store) in stores.enumerated() {
            func note(_ value: Any) { answers[index].append("\(value)") }
            note(try await store.verdictCounts(from: 0, through: Self.now))
            let usage = try await store.judgeUsage(judge: "llm", since: 0)
            note("\(usage.count) \((usage.cost * 1e9).rounded())")
            // Event ids differ between the stores: scored events compared without them, in one order.
            let scored = try await store.scoredEvents(
                policy: GoldPolicy(sources: ["human"], scorer: "groundedness"), from: 0, through: Self.now)
            note(
                scored.map { "\($0.model) \($0.route) \(String(describing: $0.score)) \($0.verdict) \($0.gold ?? -1)" }
                    .sorted())
            for (horizon, at) in [(600_000, Self.now), (600_000, Self.now + Self.hour)] as [(Int64, Timestamp)] {
                note(try await store.labelCounts(name: "hallucinated", horizon: horizon, now: at))
            }
            note(try await store.calibrations())
            // The scan continues after the same event: the 200 scanned ones are not scanned again.
            let position = try await store.judgeCursor("quality")
            let rest = try await store.scanEvents(afterEventID: position, limit: 1000)
            note(rest.map { $0.requestID ?? "" })
            let judged = try await store.scanEvents(afterEventID: 0, limit: 1000).filter { $0.requestID == "e-6" }
            note(try await store.judgments(eventID: judged[0].eventID).map { "\($0.judge) \($0.verdict) \($0.reason)" })
        }
        #expect(answers[0].count == answers[1].count)
        for (fromSQLite, copied) in zip(answers[0], answers[1]) { #expect(copied == fromSQLite) }
        #expect(answers[0][6].contains(#""e-200""#) && !answers[0][6].contains(#""e-199""#), "\(answers[0][6])")
        #expect(try await sqlite.judgeCursor("quality") == cursor)
        let removed = try postgres.readers.withConnection { connection in
            try connection.rows("SELECT event_id FROM judgments WHERE event_id < 0 ORDER BY 1", logger: Self.logger)
                .map { try $0.decode(Int64.self) }
        }
        #expect(removed == [-10_002, -10_001])
        #expect(second.out.contains("judgments") && second.out.contains("truth_labels"), "\(second.out)")
        await postgres.close()
        sqlite.close()
        try await server.stop()
    }
}
