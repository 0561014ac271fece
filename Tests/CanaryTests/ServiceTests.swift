import Canary
import InfermonCore
import Logging
import Store
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon's canary service against a real SQLite file: events of two
/// versions in, verdict series out; request ids read back for pairing.
@Suite("Canary service on the store")
struct ServiceTests {
    func temporaryStore() throws -> (SQLiteStore, String) {
        var template = Array("/tmp/infermon-canary-XXXXXX".utf8CString)
        let directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        return (try SQLiteStore(path: directory + "/test.db", logger: Logger(label: "test")), directory)
    }

    func remove(_ directory: String) {
        for suffix in ["/test.db", "/test.db-wal", "/test.db-shm"] { unlink(directory + suffix) }
        rmdir(directory)
    }

    /// One hour of traffic of model `chat`: 90 % version A, 10 % version B; B fails
    /// `candidateErrors` of its requests. Another model's version B is left out.
    func events(now: Timestamp, candidateErrors: Double, seed: UInt64) -> [InferenceEvent] {
        var random = SeededRandom(seed: seed)
        let count = 20000
        var events: [InferenceEvent] = []
        for index in 0..<count {
            let time = now - 3_600_000 + Timestamp(index) * 3_600_000 / Timestamp(count)
            let candidate = random.chance(0.1)
            let failed = random.chance(candidate ? candidateErrors : 0.01)
            events.append(
                InferenceEvent(
                    timestamp: time, requestID: "r\(index)", model: "chat", modelVersion: candidate ? "B" : "A",
                    route: "/v1/chat", tenant: index % 3 == 0 ? "acme" : "globex", status: failed ? .error : .ok,
                    latency: random.logNormal(median: 1, sigma: 0.4)))
        }
        events.append(InferenceEvent(timestamp: now - 1000, model: "other", modelVersion: "B", status: .error))
        return events
    }

    @Test func aFailingCandidateIsRolledBackAndTheSeriesSaySo() async throws {
        let (store, directory) = try temporaryStore()
        defer { remove(directory) }
        let now = SystemWallClock().now()
        try store.writeSynchronously(IngestBatch(events: events(now: now, candidateErrors: 0.05, seed: 1)))
        var rollout = CanaryDefinition(
            name: "chat-v2", baseline: CanarySelector(["model_version": "A"]),
            candidate: CanarySelector(["model_version": "B"]))
        rollout.common = ["model": "chat"]
        rollout.trafficShare = 0.1
        var config = CanaryConfig()
        config.rollouts = [rollout]
        let service = CanaryService(reader: store, appender: store, config: config, logger: Logger(label: "test"))
        let reports = try await service.evaluate(now: now)
        let report = try #require(reports.first)
        #expect(report.verdict == .rollback, "\(report.reason)")
        #expect(report.baselineRequests + report.candidateRequests == 20000, "the other model is not counted")
        #expect(report.mode == "split", "request ids differ between arms")
        let errors = try #require(report.metrics.first { $0.metric == "errors" })
        #expect(errors.status == .worse)
        let decided = try #require(errors.decidedAtCandidateSamples)
        #expect(decided < report.candidateRequests)
        let series = try store.select(
            [
                try LabelMatcher("__name__", .equal, CanarySeries.verdict),
                try LabelMatcher("canary", .equal, "chat-v2"),
            ],
            from: now - 1, through: now)
        let values = Dictionary(
            uniqueKeysWithValues: series.map { ($0.labels["verdict"] ?? "", $0.samples.last?.value) })
        #expect(values["rollback"] == 1)
        #expect(values["hold"] == 0)
        #expect(values["promote"] == 0)
        #expect(series.first?.labels["candidate"] == "model_version=B")
    }

    @Test func requestIDsComeBackWhenAskedFor() throws {
        let (store, directory) = try temporaryStore()
        defer { remove(directory) }
        let now = SystemWallClock().now()
        try store.writeSynchronously(
            IngestBatch(events: Array(events(now: now, candidateErrors: 0.01, seed: 2).prefix(50))))
        let plain = try store.eventColumns(EventWindowQuery(from: now - 7_200_000, through: now, model: "chat"))
        #expect(plain.first?.requestIDs == nil)
        let withIDs = try store.eventColumns(
            EventWindowQuery(from: now - 7_200_000, through: now, model: "chat", requestIDs: true))
        #expect(withIDs.first?.requestIDs?.prefix(3) == ["r0", "r1", "r2"])
    }

    /// The hallucination rate per model version, from the stored judgments: the
    /// candidate's responses are judged hallucinated 25 % of the time, the
    /// baseline's 5 %; the LLM judge's verdict wins over the scorer's, and
    /// unjudged requests are left out of the test.
    @Test func theHallucinationRateIsComparedPerVersion() async throws {
        let (store, directory) = try temporaryStore()
        defer { remove(directory) }
        let now = SystemWallClock().now()
        let events = Array(events(now: now, candidateErrors: 0.01, seed: 3).prefix(6000))
        try store.writeSynchronously(IngestBatch(events: events))
        let versions = Dictionary(events.compactMap { e in e.requestID.map { ($0, e.modelVersion) } }) { a, _ in a }
        let rows = try await store.scanEvents(afterEventID: 0, limit: 10_000)
        var random = SeededRandom(seed: 4)
        var judgments: [Judgment] = []
        var judged = (baseline: 0, candidate: 0)
        for row in rows where row.model == "chat" {
            let candidate = versions[row.requestID ?? ""] == "B"
            // One request in five is not judged at all.
            guard random.chance(0.8) else { continue }
            if candidate { judged.candidate += 1 } else { judged.baseline += 1 }
            let hallucinated = random.chance(candidate ? 0.25 : 0.05)
            func judgment(_ judge: String, _ verdict: Verdict) -> Judgment {
                Judgment(
                    eventID: row.eventID, requestID: row.requestID ?? "", eventTimestamp: row.timestamp,
                    judgedAt: now, judge: judge, model: row.model, route: row.route, verdict: verdict, score: nil,
                    reason: "")
            }
            judgments.append(judgment("llm", hallucinated ? .hallucinated : .supported))
            // The scorer disagrees on every baseline request: the LLM judge's verdict counts.
            if !candidate { judgments.append(judgment("groundedness", .hallucinated)) }
        }
        try await store.record(judgments, cursor: "test", position: rows.last?.eventID ?? 0)

        var rollout = CanaryDefinition(
            name: "chat-v2", baseline: CanarySelector(["model_version": "A"]),
            candidate: CanarySelector(["model_version": "B"]))
        rollout.common = ["model": "chat"]
        rollout.metrics = try CanaryMetric.parse("hallucination")
        var config = CanaryConfig()
        config.rollouts = [rollout]
        let service = CanaryService(reader: store, appender: store, config: config, logger: Logger(label: "test"))
        let report = try #require(try await service.evaluate(now: now).first)
        let metric = try #require(report.metrics.first { $0.metric == "hallucination" })
        #expect(report.verdict == .rollback, "\(report.reason)")
        #expect(metric.status == .worse)
        #expect(metric.baselineSamples == judged.baseline && metric.candidateSamples == judged.candidate)
        let baselineRate = try #require(metric.baselineValue)
        let candidateRate = try #require(metric.candidateValue)
        #expect(abs(baselineRate - 0.05) < 0.015, "\(baselineRate): the LLM judge's supported wins")
        #expect(abs(candidateRate - 0.25) < 0.05, "\(candidateRate)")
        // Without judgments asked for, the column is not read.
        let plain = try store.eventColumns(EventWindowQuery(from: now - 7_200_000, through: now, model: "chat"))
        #expect(plain.first?.numeric[EventColumnName.hallucinated] == nil)
    }
}
