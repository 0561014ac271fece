import InfermonCore
import InfermonTesting
import Logging
import Quality
import Store
import Synchronization
import Testing

/// A remote judge that fails on every third call and otherwise calls everything
/// hallucinated, recording what it was asked.
final class ScriptedRemoteJudge: RemoteJudge {
    let name = "llm"
    private let calls = Mutex<[String]>([])

    var requestIDs: [String] { calls.withLock { $0 } }

    func judge(_ candidate: JudgeCandidate) async -> JudgeOutcome {
        let count = calls.withLock { calls -> Int in
            calls.append(candidate.requestID)
            return calls.count
        }
        if count % 3 == 0 { return .failure("endpoint down") }
        return JudgeOutcome(verdict: .hallucinated, score: 0.9, reason: "made up", cost: 0.001)
    }
}

@Suite struct QualityServiceTests {
    static let context = "The Oberoi Group is a hotel company with its head office in Delhi, founded in 1934."

    func event(_ index: Int, at time: Timestamp, route: String, grounded: Bool, feedback: Double? = nil)
        -> InferenceEvent
    {
        InferenceEvent(
            timestamp: time, requestID: "req-\(index)", model: "gpt-x", route: route,
            prompt: "Where is the Oberoi head office?",
            response: grounded ? "The head office is in Delhi." : "The head office is in Mumbai, opened in 1977.",
            context: Self.context, feedback: feedback)
    }

    func options(minimumSamples: Int = 10) -> QualityOptions {
        QualityOptions(
            sampler: EventSampler(rules: [SamplingRule(route: "/b", rate: 0)], defaultRate: 1),
            settleTime: .seconds(60),
            pageSize: 16, windows: [.seconds(3600)], minimumSamples: minimumSamples)
    }

    @Test func judgesSettledSampledEventsAndPublishesRates() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        let store = try SQLiteStore(path: directory.databasePath, clock: clock, logger: Logger(label: "test"))
        defer { store.close() }
        let old = clock.now() - 600_000
        var events: [InferenceEvent] = []
        for index in 0..<40 {
            events.append(
                event(
                    index, at: old + Int64(index), route: "/a", grounded: index % 4 != 0,
                    feedback: index % 5 == 0 ? 0 : 1))
        }
        for index in 40..<50 { events.append(event(index, at: old + Int64(index), route: "/b", grounded: false)) }
        // Not settled yet: 10 s old with a 60 s settle time.
        for index in 50..<55 { events.append(event(index, at: clock.now() - 10_000, route: "/a", grounded: false)) }
        try await store.write(IngestBatch(events: events))

        let remote = ScriptedRemoteJudge()
        let service = QualityService(
            options: options(), store: store, appender: store, llmJudge: remote, clock: clock,
            logger: Logger(label: "q"))
        let judged = try await service.runOnce()
        #expect(judged == 40, "route /b is not sampled and the last five have not settled")
        #expect(Set(remote.requestIDs) == Set((0..<40).map { "req-\($0)" }))

        let counts = try await store.verdictCounts(from: 0, through: clock.now())
        let grounded = try #require(counts.first { $0.judge == "groundedness" })
        #expect(grounded.hallucinated == 10)
        #expect(grounded.supported == 30)
        let llm = try #require(counts.first { $0.judge == "llm" })
        // Failures are unknown, never supported.
        #expect(llm.unknown == 13)
        #expect(llm.supported == 0)
        #expect(llm.hallucinated == 27)
        let feedback = try #require(counts.first { $0.judge == "feedback" })
        #expect(feedback.hallucinated == 8 && feedback.supported == 32)

        let firstJudgments = try await store.judgments(eventID: 1)
        #expect(Set(firstJudgments.map(\.judge)) == ["groundedness", "llm", "feedback"])
        #expect(firstJudgments.first { $0.judge == "groundedness" }?.reason.contains("Mumbai") == true)

        let rates = try store.select(
            [.equal(Labels.metricName, QualityMetrics.hallucinationRate), .equal("method", "scorer")], from: 0,
            through: clock.now())
        let byBound = Dictionary(uniqueKeysWithValues: rates.map { ($0.labels["bound"]!, $0.samples.last!.value) })
        #expect(byBound["estimate"] == 0.25)
        #expect(byBound["lower"]! < 0.25 && byBound["lower"]! > 0.1)
        #expect(byBound["upper"]! > 0.25 && byBound["upper"]! < 0.45)
        let errors = service.counterTotals[
            Labels(name: QualityMetrics.judgeErrors, ["judge": "llm", "model": "gpt-x"])]
        #expect(errors == 13)

        // Nothing new: the cursor moved past everything settled; then the last five settle.
        #expect(try await service.runOnce() == 0)
        clock.advance(by: 60_000)
        #expect(try await service.runOnce() == 5)
        #expect(remote.requestIDs.count == 45)
    }

    /// A context too short to check makes the scorer abstain: the judgment is
    /// stored as unknown with no score, so calibration and the PPI estimate
    /// (which read scores) never take an abstention for a confident "grounded".
    @Test func anAbstentionIsStoredWithoutAScore() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        let store = try SQLiteStore(path: directory.databasePath, clock: clock, logger: Logger(label: "test"))
        defer { store.close() }
        let old = clock.now() - 600_000
        var checked = event(1, at: old, route: "/a", grounded: true)
        checked.context = Self.context
        var unchecked = event(2, at: old + 1, route: "/a", grounded: true)
        unchecked.context = "Delhi."
        try await store.write(IngestBatch(events: [checked, unchecked]))
        let service = QualityService(
            options: options(), store: store, appender: store, llmJudge: nil, clock: clock, logger: Logger(label: "q"))
        #expect(try await service.runOnce() == 2)

        let scored = try #require(try await store.judgments(eventID: 1).first { $0.judge == "groundedness" })
        #expect(scored.verdict == .supported && scored.score != nil)
        let abstained = try #require(try await store.judgments(eventID: 2).first { $0.judge == "groundedness" })
        #expect(abstained.verdict == .unknown)
        #expect(abstained.score == nil)
    }

    @Test func tooFewSamplesPublishOnlyTheCountAndRetractAnOldRate() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        let store = try SQLiteStore(path: directory.databasePath, clock: clock, logger: Logger(label: "test"))
        defer { store.close() }
        let start = clock.now() - 120_000
        try await store.write(
            IngestBatch(events: (0..<12).map { event($0, at: start + Int64($0), route: "/a", grounded: $0 % 2 == 0) }))
        let service = QualityService(
            options: options(minimumSamples: 10), store: store, appender: store, clock: clock,
            logger: Logger(label: "q"))
        try await service.runOnce()
        let rateMatcher = LabelMatcher.equal(Labels.metricName, QualityMetrics.hallucinationRate)
        #expect(try store.select([rateMatcher], from: 0, through: clock.now()).count == 3)
        // An hour later the window is empty: the count drops to nothing and the rate gets a stale marker.
        clock.advance(by: 3_600_000)
        try await service.runOnce()
        let rates = try store.select([rateMatcher, .equal("bound", "estimate")], from: 0, through: clock.now())
        #expect(rates.first?.samples.last?.isStaleMarker == true)
    }

    @Test func aRestartNeitherRejudgesNorLosesCounters() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        var store = try SQLiteStore(path: directory.databasePath, clock: clock, logger: Logger(label: "test"))
        try await store.write(
            IngestBatch(events: (0..<9).map { event($0, at: clock.now() - 120_000, route: "/a", grounded: true) }))
        let remote = ScriptedRemoteJudge()
        try await QualityService(
            options: options(), store: store, appender: store, llmJudge: remote, clock: clock,
            logger: Logger(label: "q")
        ).runOnce()
        #expect(remote.requestIDs.count == 9)
        store.close()

        clock.advance(by: 60_000)
        store = try SQLiteStore(path: directory.databasePath, clock: clock, logger: Logger(label: "test"))
        defer { store.close() }
        let restored = try QualityService.restoreCounters(from: store, now: clock.now(), lookback: .seconds(86_400))
        let second = ScriptedRemoteJudge()
        let service = QualityService(
            options: options(), store: store, appender: store, llmJudge: second, restoredCounters: restored,
            clock: clock,
            logger: Logger(label: "q"))
        #expect(try await service.runOnce() == 0)
        #expect(second.requestIDs.isEmpty)
        #expect(
            service.counterTotals[Labels(name: QualityMetrics.judgeErrors, ["judge": "llm", "model": "gpt-x"])] == 3)
        let usage = try await store.judgeUsage(judge: "llm", since: 0)
        #expect(usage.count == 9)
        #expect(abs(usage.cost - 0.006) < 1e-12)
    }
}
