import InfermonCore
import InfermonTesting
import Logging
import Store
import Testing

/// Events in, Prometheus-style counters out: the series view of the store.
@Suite("Series view of stored events")
struct SeriesViewTests {
    static let minute: Int64 = 60_000
    static let t0: Timestamp = 1_800_000_000_000 - 1_800_000_000_000 % 60_000

    final class Fixture {
        let directory: TemporaryDirectory
        let clock: ManualClock
        let store: SQLiteStore

        init(now: Timestamp = SeriesViewTests.t0 + 10 * SeriesViewTests.minute) throws {
            directory = try TemporaryDirectory()
            clock = ManualClock(now: now)
            store = try SQLiteStore(path: directory.file("s.db"), clock: clock, logger: Logger(label: "t"))
        }

        func write(_ events: [InferenceEvent]) throws { try store.writeSynchronously(IngestBatch(events: events)) }
    }

    static func event(_ offset: Int64, model: String = "m", status: EventStatus = .ok, latency: Double? = 0.5)
        -> InferenceEvent
    {
        InferenceEvent(
            timestamp: t0 + offset, model: model, tenant: "acme", status: status, latency: latency,
            timeToFirstToken: 0.05,
            promptTokens: 100, completionTokens: 10, cachedTokens: 40, reasoningTokens: 2, cost: 0.01)
    }

    @Test func requestCounterStartsAtZeroAndCarriesForward() throws {
        let fixture = try Fixture()
        try fixture.write([Self.event(5_000), Self.event(20_000), Self.event(2 * Self.minute + 1_000)])
        let series = try fixture.store.select(
            [.equal("__name__", "infermon_requests_total")], from: Self.t0, through: Self.t0 + 5 * Self.minute)
        #expect(series.count == 1)
        let labels = try #require(series.first?.labels)
        #expect(labels["model"] == "m" && labels["tenant"] == "acme" && labels["status"] == "ok")
        let samples = series[0].samples.map { [$0.timestamp - Self.t0, Int64($0.value)] }
        // Birth at 0, then each interval end; quiet intervals repeat the total.
        #expect(samples == [[0, 0], [60_000, 2], [120_000, 2], [180_000, 3], [240_000, 3], [300_000, 3]])
    }

    @Test func theOpenIntervalIsShownAtItsNewestEventOnly() throws {
        let fixture = try Fixture(now: Self.t0 + 90_000)
        try fixture.write([Self.event(10_000), Self.event(65_000), Self.event(70_000)])
        let series = try fixture.store.select(
            [.equal("__name__", "infermon_requests_total")], from: Self.t0, through: Self.t0 + 90_000)
        #expect(
            series[0].samples.map { [$0.timestamp - Self.t0, Int64($0.value)] } == [
                [0, 0], [60_000, 1], [70_000, 3],
            ])
        // Asking for a time before the newest event must not leak it.
        let earlier = try fixture.store.select(
            [.equal("__name__", "infermon_requests_total")], from: Self.t0, through: Self.t0 + 66_000)
        #expect(earlier[0].samples.map { [$0.timestamp - Self.t0, Int64($0.value)] } == [[0, 0], [60_000, 1]])
    }

    @Test func histogramBucketsSumAndCountFollowPrometheusConventions() throws {
        let fixture = try Fixture()
        try fixture.write([
            Self.event(1_000, latency: 0.005), Self.event(2_000, latency: 0.3), Self.event(3_000, latency: 1.0),
            Self.event(4_000, latency: 200), Self.event(5_000, latency: nil),
        ])
        let at = Self.t0 + Self.minute
        let buckets = try fixture.store.select(
            [.equal("__name__", "infermon_request_duration_seconds_bucket")], from: at, through: at)
        let byBound = Dictionary(uniqueKeysWithValues: buckets.map { ($0.labels["le"]!, $0.samples.last!.value) })
        #expect(byBound.count == EventMetrics.durationBuckets.count + 1)
        #expect(byBound["0.01"] == 1 && byBound["0.32"] == 2 && byBound["0.64"] == 2 && byBound["1.28"] == 3)
        #expect(byBound["81.92"] == 3 && byBound["+Inf"] == 4)
        let count = try fixture.store.select(
            [.equal("__name__", "infermon_request_duration_seconds_count")], from: at, through: at)
        let sum = try fixture.store.select(
            [.equal("__name__", "infermon_request_duration_seconds_sum")], from: at, through: at)
        #expect(count.first?.samples.last?.value == 4)
        #expect(abs((sum.first?.samples.last?.value ?? 0) - 201.305) < 1e-9)
        // Matchers on the bucket label select single buckets.
        let one = try fixture.store.select(
            [.equal("__name__", "infermon_request_duration_seconds_bucket"), .equal("le", "+Inf")], from: at,
            through: at)
        #expect(one.count == 1)
    }

    @Test func tokensAndCostCounters() throws {
        let fixture = try Fixture()
        try fixture.write([Self.event(1_000), Self.event(2_000)])
        let at = Self.t0 + Self.minute
        let tokens = try fixture.store.select([.equal("__name__", "infermon_tokens_total")], from: at, through: at)
        let byType = Dictionary(uniqueKeysWithValues: tokens.map { ($0.labels["type"]!, $0.samples.last!.value) })
        #expect(byType == ["input": 200, "output": 20, "cached": 80, "reasoning": 4])
        let cost = try fixture.store.select([.equal("__name__", "infermon_cost_usd_total")], from: at, through: at)
        #expect(cost.first?.samples.last?.value == 0.02)
    }

    @Test func regexAndNegativeMatchersSelectKeys() throws {
        let fixture = try Fixture()
        try fixture.write([
            Self.event(1_000, model: "gpt-4o"), Self.event(1_000, model: "gpt-4o-mini"),
            Self.event(1_000, model: "llama", status: .error),
        ])
        let at = Self.t0 + Self.minute
        func models(_ matchers: [LabelMatcher]) throws -> [String] {
            try fixture.store.select([.equal("__name__", "infermon_requests_total")] + matchers, from: at, through: at)
                .map { $0.labels["model"]! }.sorted()
        }
        #expect(try models([LabelMatcher("model", .matchRegex, "gpt-.*")]) == ["gpt-4o", "gpt-4o-mini"])
        #expect(try models([LabelMatcher("model", .matchRegex, "gpt")]) == [], "regexes are anchored")
        #expect(try models([LabelMatcher("status", .notEqual, "ok")]) == ["llama"])
        #expect(try models([LabelMatcher("model", .notMatchRegex, "gpt-4o.*")]) == ["llama"])
    }

    @Test func lateEventsCountInTheirOwnIntervalAndKeepTheirTime() throws {
        let fixture = try Fixture()
        try fixture.write([Self.event(10_000), Self.event(3 * Self.minute + 5_000)])
        try fixture.write([Self.event(30_000)])  // late: its interval was closed by the second event
        let at = Self.t0 + 4 * Self.minute
        let series = try fixture.store.select(
            [.equal("__name__", "infermon_requests_total")], from: Self.t0, through: at)
        #expect(series[0].samples.map { Int64($0.value) } == [0, 2, 2, 2, 3])
        let raw = try fixture.store.select(
            [.equal("__name__", "infermon_request_duration_seconds")], from: Self.t0, through: at)
        #expect(raw[0].samples.map { $0.timestamp - Self.t0 } == [10_000, 30_000, 185_000])
    }

    @Test func rawSamplesOfManyLabelSetsComeFromOneWalkOfTheWindow() throws {
        let fixture = try Fixture()
        // Four models interleaved in time, and events outside the window on both sides.
        let events = (0..<400).map { index in
            Self.event(Int64(index) * 450, model: "m\(index % 4)", latency: Double(index) / 10)
        }
        try fixture.write(events)
        let from = Self.t0 + 20_000
        let through = Self.t0 + 150_000
        let raw = try fixture.store.select(
            [.equal("__name__", "infermon_request_duration_seconds")], from: from, through: through)
        #expect(raw.map { $0.labels["model"] } == ["m0", "m1", "m2", "m3"])
        for series in raw {
            let mine = events.filter {
                $0.model == series.labels["model"] && $0.timestamp >= from && $0.timestamp <= through
            }
            #expect(series.samples.map(\.timestamp) == mine.map(\.timestamp))
            #expect(series.samples.map(\.value) == mine.map { $0.latency ?? -1 })
        }
        // One label set of the four: the same samples as with the others.
        let one = try fixture.store.select(
            [.equal("__name__", "infermon_request_duration_seconds"), .equal("model", "m2")], from: from,
            through: through)
        #expect(one.map(\.samples) == [raw[2].samples])
    }

    @Test func countersSurviveAReopenOfTheStore() throws {
        let fixture = try Fixture()
        try fixture.write([Self.event(1_000), Self.event(61_000)])
        fixture.store.close()
        let reopened = try SQLiteStore(
            path: fixture.directory.file("s.db"), clock: fixture.clock, logger: Logger(label: "t"))
        try reopened.writeSynchronously(IngestBatch(events: [Self.event(62_000), Self.event(125_000)]))
        let series = try reopened.select(
            [.equal("__name__", "infermon_requests_total")], from: Self.t0, through: Self.t0 + 3 * Self.minute)
        #expect(series[0].samples.map { Int64($0.value) } == [0, 1, 3, 4])
    }

    @Test func sketchesAnswerQuantilesWithinTheirAccuracy() throws {
        let fixture = try Fixture()
        let latencies = (1...1000).map { Double($0) / 100 }
        try fixture.write(latencies.enumerated().map { Self.event(Int64($0.offset) * 100, latency: $0.element) })
        let sketches = try fixture.store.sketches(
            [.equal("__name__", "infermon_request_duration_seconds")], from: Self.t0, through: Self.t0 + 3 * Self.minute
        )
        var merged = QuantileSketch()
        for point in sketches.flatMap(\.points) { merged.merge(point.sketch) }
        #expect(merged.count == 1000)
        for q in [0.5, 0.9, 0.99] {
            let exact = latencies[Int((q * 999).rounded(.down))]
            let estimate = try #require(merged.quantile(q))
            #expect(abs(estimate - exact) / exact <= QuantileSketch.defaultRelativeAccuracy + 1e-12, "q=\(q)")
        }
    }

    @Test func labelSetsListsSeriesWithoutSamples() throws {
        let fixture = try Fixture()
        try fixture.write([Self.event(1_000)])
        let sets = try fixture.store.labelSets(
            [.equal("__name__", "infermon_tokens_total")], from: Self.t0, through: Self.t0 + Self.minute)
        #expect(sets.map { $0["type"]! }.sorted() == ["cached", "input", "output", "reasoning"])
        let none = try fixture.store.labelSets(
            [.equal("__name__", "infermon_tokens_total")], from: Self.t0 - 10 * Self.minute,
            through: Self.t0 - Self.minute)
        #expect(none.isEmpty)
    }
}
