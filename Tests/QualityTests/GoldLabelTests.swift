import InfermonCore
import InfermonTesting
import Logging
import Quality
import Store
import Testing

/// Gold labels through the store and the quality service: the join by request
/// id in both arrival orders, the PPI series, the agreement floor and a stored
/// calibration taking effect.
@Suite struct GoldLabelTests {
    static let context = "The Oberoi Group is a hotel company with its head office in Delhi, founded in 1934."

    /// Every fourth answer is made up; the scorer sees it.
    static func events(_ range: Range<Int>, at time: Timestamp, route: String = "/rag") -> [InferenceEvent] {
        range.map { index in
            InferenceEvent(
                timestamp: time + Int64(index), requestID: "g-\(index)", model: "gpt-x", route: route,
                prompt: "Where is the Oberoi head office?",
                response: index % 4 == 0
                    ? "The head office is in Mumbai, opened in 1977." : "The head office is in Delhi.",
                context: context)
        }
    }

    static func label(_ index: Int, hallucinated: Bool, at time: Timestamp, source: String = "human") -> TruthLabel {
        TruthLabel(
            requestID: "g-\(index)", name: "hallucinated", value: .bool(hallucinated), source: source, receivedAt: time)
    }

    func options(floor: Double = 0.4) -> QualityOptions {
        QualityOptions(
            sampler: EventSampler(defaultRate: 1), settleTime: .seconds(60), windows: [.seconds(3600)],
            minimumSamples: 10,
            gold: GoldOptions(sources: ["human"], minimumLabels: 20, agreementFloor: floor, horizon: .seconds(600)))
    }

    func latest(_ store: SQLiteStore, _ matchers: [LabelMatcher], now: Timestamp) throws -> [String: Double] {
        var result: [String: Double] = [:]
        for series in try store.select(matchers, from: 0, through: now) {
            guard let sample = series.samples.last, !sample.isStaleMarker else { continue }
            result[series.labels.description] = sample.value
        }
        return result
    }

    @Test func labelsJoinInEitherOrderAndGiveThePPIRate() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        let store = try SQLiteStore(path: directory.databasePath, clock: clock, logger: Logger(label: "test"))
        defer { store.close() }
        let old = clock.now() - 300_000
        // Labels for g-0…g-29 arrive before their events, g-30…g-59 after; one for an unknown id.
        try await store.recordLabels((0..<30).map { Self.label($0, hallucinated: $0 % 4 == 0, at: clock.now()) })
        try await store.write(IngestBatch(events: Self.events(0..<200, at: old)))
        let service = QualityService(
            options: options(), store: store, appender: store, clock: clock, logger: Logger(label: "q"))
        try await service.runOnce()
        try await store.recordLabels((30..<60).map { Self.label($0, hallucinated: $0 % 4 == 0, at: clock.now()) })
        try await store.recordLabels([
            TruthLabel(
                requestID: "nobody", name: "hallucinated", value: .string("yes"), source: "human",
                receivedAt: clock.now())
        ])
        clock.advance(by: 1000)
        try await service.runOnce()

        let counts = try await store.labelCounts(name: "hallucinated", horizon: 600_000, now: clock.now())
        #expect(counts.joined == 60 && counts.pending == 1 && counts.orphaned == 0)
        let later = try await store.labelCounts(name: "hallucinated", horizon: 600_000, now: clock.now() + 700_000)
        #expect(later.orphaned == 1 && later.pending == 0)
        #expect(later.neverLabelled == 140, "200 judged events, 60 labelled")

        let rates = try latest(
            store, [.equal(Labels.metricName, QualityMetrics.hallucinationRate), .equal("route", "/rag")],
            now: clock.now())
        func value(_ method: String, _ bound: String) -> Double? {
            rates.first { $0.key.contains("method=\"\(method)\"") && $0.key.contains("bound=\"\(bound)\"") }?.value
        }
        let ppi = try #require(value("ppi", "estimate"))
        #expect(abs(ppi - 0.25) < 0.01, "scorer and gold agree: the estimate is the true 25 %")
        let ppiWidth = try #require(value("ppi", "upper")) - value("ppi", "lower")!
        let goldWidth = try #require(value("gold", "upper")) - value("gold", "lower")!
        #expect(ppiWidth < goldWidth * 0.75, "a perfect scorer on 200 events narrows 60 gold labels' interval")
        #expect(value("scorer", "estimate") == 0.25)
        let calibrated = try latest(store, [.equal(Labels.metricName, QualityMetrics.rateCalibrated)], now: clock.now())
        #expect(calibrated.values.first == 1)
        let kappa = try latest(
            store, [.equal(Labels.metricName, QualityMetrics.agreement), .equal("measure", "kappa")], now: clock.now())
        #expect(kappa.values.first == 1)
        let labelStates = try latest(store, [.equal(Labels.metricName, QualityMetrics.truthLabels)], now: clock.now())
        #expect(labelStates.first { $0.key.contains("state=\"joined\"") }?.value == 60)
    }

    @Test func aScorerBelowTheFloorPublishesUncalibratedAndNoScorerRate() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        let store = try SQLiteStore(path: directory.databasePath, clock: clock, logger: Logger(label: "test"))
        defer { store.close() }
        try await store.write(IngestBatch(events: Self.events(0..<120, at: clock.now() - 300_000)))
        // Gold says the opposite of what the texts show: the scorer disagrees with it.
        try await store.recordLabels((0..<80).map { Self.label($0, hallucinated: $0 % 4 != 0, at: clock.now()) })
        let service = QualityService(
            options: options(), store: store, appender: store, clock: clock, logger: Logger(label: "q"))
        try await service.runOnce()
        let calibrated = try latest(store, [.equal(Labels.metricName, QualityMetrics.rateCalibrated)], now: clock.now())
        #expect(calibrated.values.first == 0)
        let scorer = try latest(
            store, [.equal(Labels.metricName, QualityMetrics.hallucinationRate), .equal("method", "scorer")],
            now: clock.now())
        #expect(scorer.isEmpty, "no scorer-only rate below the floor: \(scorer)")
        let ppi = try latest(
            store,
            [
                .equal(Labels.metricName, QualityMetrics.hallucinationRate), .equal("method", "ppi"),
                .equal("bound", "estimate"),
            ],
            now: clock.now())
        // The gold rate here is 75 %: PPI follows gold, not the scorer's 25 %.
        #expect(abs(try #require(ppi.values.first) - 0.75) < 0.08)
    }

    @Test func aStoredCalibrationMovesTheThreshold() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        let store = try SQLiteStore(path: directory.databasePath, clock: clock, logger: Logger(label: "test"))
        defer { store.close() }
        try await store.write(IngestBatch(events: Self.events(0..<100, at: clock.now() - 300_000)))
        try await store.recordLabels((0..<40).map { Self.label($0, hallucinated: $0 % 4 == 0, at: clock.now()) })
        let service = QualityService(
            options: options(), store: store, appender: store, clock: clock, logger: Logger(label: "q"))
        try await service.runOnce()
        // A calibration that calls everything hallucinated: the scorer now disagrees with gold.
        let everything = ScoreCalibration(
            model: "gpt-x", route: "/rag", threshold: -1, intercept: 0, slope: 1, pairs: 40, fittedAt: clock.now())
        try await store.storeCalibration(model: "gpt-x", route: "/rag", document: everything.json, at: clock.now())
        #expect(try ScoreCalibration(json: everything.json) == everything)
        clock.advance(by: 60_000)
        try await service.runOnce()
        let calibrated = try latest(store, [.equal(Labels.metricName, QualityMetrics.rateCalibrated)], now: clock.now())
        #expect(calibrated.values.first == 0)

        let events = try await store.scoredEvents(
            policy: GoldPolicy(sources: ["human"], scorer: QualityMetrics.groundednessJudge), from: 0,
            through: clock.now())
        let report = CalibrationReport(
            model: "gpt-x", route: "/rag", events: events, current: everything, configuredThreshold: 0.2,
            now: clock.now())
        #expect(report.pairs == 40)
        #expect(report.before.kappa == nil || report.before.kappa! < 0.1)
        #expect(report.after?.kappa == 1)
        #expect(report.render().contains { $0.contains("after") && $0.contains("kappa 1.0") })
    }
}
