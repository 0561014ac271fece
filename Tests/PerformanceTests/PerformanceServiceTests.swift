import Collectors
import Foundation
import InfermonCore
import InfermonTesting
import Logging
import Store
import Testing

@testable import Performance

/// The stage end to end on a real SQLite file: predictions ingested as events,
/// labels arriving late through a tailed label file (the `labels` profile) and
/// through `recordLabels` (what `POST /api/v1/labels` calls), windows backfilled in place.
@Suite struct PerformanceServiceTests {
    static let hour: Int64 = 3_600_000

    /// Deterministic calibrated scores and outcomes.
    static func draws(_ count: Int, seed: UInt64) -> [(probability: Double, positive: Bool)] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in
            let p = random.unit()
            return (p, random.unit() < p)
        }
    }

    static func events(_ draws: [(probability: Double, positive: Bool)], prefix: String, start: Timestamp)
        -> [InferenceEvent]
    {
        draws.enumerated().map { index, draw in
            InferenceEvent(
                timestamp: start + Int64(index) * 10_000, requestID: "\(prefix)\(index)", model: "churn",
                prediction: .number(draw.probability))
        }
    }

    static func value(_ store: SQLiteStore, _ matchers: [LabelMatcher], at time: Timestamp) throws -> [Sample] {
        try store.select(matchers, from: time - hour, through: time).flatMap(\.samples).filter {
            $0.timestamp == time
        }
    }

    @Test func lateLabelsBackfillTheirPredictionsWindow() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        let base = floorDivide(clock.now(), Self.hour) * Self.hour - 3 * Self.hour
        let store = try SQLiteStore(path: directory.file("infermon.db"), clock: clock, logger: Logger(label: "test"))
        defer { store.close() }
        let first = Self.draws(200, seed: 1)
        let second = Self.draws(100, seed: 2)
        try await store.write(IngestBatch(events: Self.events(first, prefix: "a", start: base)))
        try await store.write(IngestBatch(events: Self.events(second, prefix: "b", start: base + Self.hour)))

        // 120 labels by file, one for an id no event has (yet), one broken line.
        var lines = (0..<120).map { #"{"request_id":"a\#($0)","value":\#(first[$0].positive ? 1 : 0)}"# }
        lines.append(#"{"request_id":"late-1","value":true}"#)
        lines.append(#"{"value":1}"#)
        let labelFile = directory.file("labels.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(toFile: labelFile, atomically: true, encoding: .utf8)
        let tailer = FileTailer(
            options: FileSourceOptions(name: "labels", paths: [labelFile], profile: .labels), sink: store,
            checkpoints: store, clock: clock, logger: Logger(label: "tail"))
        let totals = try await tailer.pollOnce()
        #expect(totals.deadLetters == 1)
        var counts = try await store.predictionLabelCounts(labelName: "outcome", horizon: 86_400_000, now: clock.now())
        #expect(counts.joined == 120 && counts.pending == 1 && counts.orphaned == 0)

        let options = PerformanceOptions(
            windows: [.milliseconds(Self.hour)], minimumSamples: 30, bootstrapResamples: 50)
        let service = PerformanceService(
            options: options, store: store, backfill: store, appender: store, clock: clock,
            logger: Logger(label: "perf"))
        try await service.runOnce()
        let firstEnd = base + Self.hour
        func accuracy() throws -> [Sample] {
            try Self.value(
                store,
                [
                    .equal(Labels.metricName, PerformanceMetrics.performance), .equal("metric", "accuracy"),
                    .equal("window", "1h"), .equal("model", "churn"),
                ], at: firstEnd)
        }
        let labelled = first.prefix(120)
        let expected120 = try #require(
            ClassifierPerformance(probabilities: labelled.map(\.probability), truths: labelled.map(\.positive)))
        #expect(try accuracy().map(\.value) == [expected120.accuracy])

        // The second window has no labels: an estimate with its interval, no realised value.
        let secondEnd = base + 2 * Self.hour
        let estimated = try Self.value(
            store,
            [.equal(Labels.metricName, PerformanceMetrics.estimated), .equal("metric", "accuracy")], at: secondEnd)
        #expect(estimated.count == 3, "lower, estimate and upper")
        let bounds = estimated.map(\.value).sorted()
        #expect(bounds[0] < bounds[1] && bounds[1] < bounds[2])
        let realisedSecond = try Self.value(
            store, [.equal(Labels.metricName, PerformanceMetrics.performance)], at: secondEnd)
        #expect(realisedSecond.isEmpty)

        // The other 80 labels arrive later: the same window's sample is rewritten in place.
        clock.advance(by: 60_000)
        try await store.recordLabels(
            (120..<200).map {
                TruthLabel(
                    requestID: "a\($0)", name: "outcome", value: .bool(first[$0].positive), source: "review",
                    receivedAt: clock.now())
            })
        try await service.runOnce()
        let expected200 = try #require(
            ClassifierPerformance(probabilities: first.map(\.probability), truths: first.map(\.positive)))
        #expect(try accuracy().map(\.value) == [expected200.accuracy], "one sample, now over 200 labels")
        let covered = try Self.value(
            store, [.equal(Labels.metricName, PerformanceMetrics.labelCoverage)], at: firstEnd)
        #expect(covered.map(\.value) == [1])
        let ece = try Self.value(
            store, [.equal(Labels.metricName, PerformanceMetrics.calibrationError), .equal("bound", "estimate")],
            at: firstEnd)
        #expect(ece.count == 1)
        let reliability = try store.select(
            [.equal(Labels.metricName, PerformanceMetrics.reliability), .equal("stat", "events")],
            from: firstEnd, through: firstEnd)
        #expect(reliability.flatMap(\.samples).map(\.value).reduce(0, +) == 200)

        // A label that came before its event joins when the event arrives.
        try await store.write(
            IngestBatch(events: [
                InferenceEvent(
                    timestamp: clock.now() - 1000, requestID: "late-1", model: "churn", prediction: .number(0.9))
            ]))
        counts = try await store.predictionLabelCounts(labelName: "outcome", horizon: 86_400_000, now: clock.now())
        #expect(counts.joined == 201 && counts.pending == 0)
        // Past the horizon, the second window's 100 predictions were never labelled.
        let later = clock.now() + 86_400_000
        counts = try await store.predictionLabelCounts(labelName: "outcome", horizon: 86_400_000, now: later)
        #expect(counts.neverLabelled == 100)
        let published = try store.select(
            [.equal(Labels.metricName, PerformanceMetrics.truthLabels), .equal("state", "joined")],
            from: clock.now() - 1, through: clock.now())
        #expect(published.first?.samples.last?.value == 200)
    }

    /// A label is stamped when its request is read and seen once its write
    /// commits; a pass in between must not make the next pass skip it.
    @Test func aLabelStampedBeforeAPassAndStoredAfterItIsStillJoined() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        let base = floorDivide(clock.now(), Self.hour) * Self.hour - 3 * Self.hour
        let store = try SQLiteStore(path: directory.file("infermon.db"), clock: clock, logger: Logger(label: "test"))
        defer { store.close() }
        let draws = Self.draws(200, seed: 3)
        try await store.write(IngestBatch(events: Self.events(draws, prefix: "a", start: base)))
        func labels(_ range: Range<Int>, at received: Timestamp) -> [TruthLabel] {
            range.map {
                TruthLabel(
                    requestID: "a\($0)", name: "outcome", value: .bool(draws[$0].positive), source: "test",
                    receivedAt: received)
            }
        }
        try await store.recordLabels(labels(0..<100, at: clock.now()))
        let service = PerformanceService(
            options: PerformanceOptions(
                windows: [.milliseconds(Self.hour)], minimumSamples: 30, bootstrapResamples: 20),
            store: store, backfill: store, appender: store, clock: clock, logger: Logger(label: "perf"))
        try await service.runOnce()
        func accuracy() throws -> [Double] {
            try Self.value(
                store, [.equal(Labels.metricName, PerformanceMetrics.performance), .equal("metric", "accuracy")],
                at: base + Self.hour
            ).map(\.value)
        }
        let first = try #require(
            ClassifierPerformance(
                probabilities: draws.prefix(100).map(\.probability), truths: draws.prefix(100).map(\.positive)))
        #expect(try accuracy() == [first.accuracy])

        clock.advance(by: 60_000)
        let stamped = clock.now()  // the request is read here ...
        clock.advance(by: 1_000)
        try await service.runOnce()  // ... a pass runs before its write commits ...
        #expect(try accuracy() == [first.accuracy])
        try await store.recordLabels(labels(100..<200, at: stamped))  // ... and the write commits now.
        clock.advance(by: 1_000)
        try await service.runOnce()
        let all = try #require(
            ClassifierPerformance(probabilities: draws.map(\.probability), truths: draws.map(\.positive)))
        #expect(all.accuracy != first.accuracy)
        #expect(try accuracy() == [all.accuracy], "the next pass joins the labels stamped before the last one")
    }

    @Test func regressorsGetErrorMetrics() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        let base = floorDivide(clock.now(), Self.hour) * Self.hour - 2 * Self.hour
        let store = try SQLiteStore(path: directory.file("infermon.db"), clock: clock, logger: Logger(label: "test"))
        defer { store.close() }
        var events: [InferenceEvent] = []
        for index in 0..<40 {
            let predicted = Double(100 + index)
            let truth: Double = index % 2 == 0 ? predicted + 2 : predicted - 2
            events.append(
                InferenceEvent(
                    timestamp: base + Int64(index) * 1000, requestID: "p\(index)", model: "price",
                    prediction: .number(predicted), label: .number(truth)))
        }
        try await store.write(IngestBatch(events: events))
        var options = PerformanceOptions(windows: [.milliseconds(Self.hour)], minimumSamples: 30)
        options.models["price"] = ModelTask(kind: .regression)
        let service = PerformanceService(
            options: options, store: store, backfill: store, appender: store, clock: clock,
            logger: Logger(label: "perf"))
        try await service.runOnce()
        let mae = try Self.value(
            store, [.equal(Labels.metricName, PerformanceMetrics.performance), .equal("metric", "mae")],
            at: base + Self.hour)
        #expect(mae.map(\.value) == [2], "the events' own labels count without any truth label")
        let rmse = try Self.value(
            store, [.equal(Labels.metricName, PerformanceMetrics.performance), .equal("metric", "rmse")],
            at: base + Self.hour)
        #expect(rmse.map(\.value) == [2])
    }
}
