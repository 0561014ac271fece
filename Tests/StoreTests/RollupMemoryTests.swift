import InfermonCore
import InfermonTesting
import Logging
import Store
import Testing

/// What the writer keeps in memory per active label set: the open rollup
/// interval (its cumulative totals and five quantile sketches). Counted
/// structurally, so the figure pins the representation, not this machine's heap.
@Suite("Rollup memory")
struct RollupMemoryTests {
    static let minute: Int64 = 60_000
    static let now: Timestamp = 1_800_000_000_000 - 1_800_000_000_000 % 60_000

    static func events(labelSets: Int, perSet: Int, at start: Timestamp, seed: UInt64) -> [InferenceEvent] {
        var random = SeededRandom(seed: seed)
        var events: [InferenceEvent] = []
        for index in 0..<(labelSets * perSet) {
            let set = index % labelSets
            let latency = random.logNormal(median: 0.8, sigma: 0.7)
            events.append(
                InferenceEvent(
                    timestamp: start + Int64(index * 50_000 / (labelSets * perSet)), model: "m\(set % 5)",
                    route: "/v1/chat/completions", tenant: "t\(set / 5)", latency: latency,
                    timeToFirstToken: latency * random.unit() * 0.3,
                    promptTokens: Int(random.logNormal(median: 900, sigma: 1.0)),
                    completionTokens: Int(random.logNormal(median: 180, sigma: 0.8)) + 2, cost: random.unit() * 0.002,
                    streamed: true))
        }
        return events
    }

    /// A dozen requests per label set and minute (10,000 label sets at 2,000
    /// events/s) spread their latencies and token counts over hundreds of log
    /// bins each: held densely that was about 20 KB per label set; the sparse
    /// form holds only the bins that have counts.
    @Test func openStateOfAQuietLabelSetIsAFewKilobytes() throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(
            path: directory.file("memory.db"), clock: ManualClock(now: Self.now + 10 * Self.minute),
            logger: Logger(label: "t"))
        try store.writeSynchronously(
            IngestBatch(events: Self.events(labelSets: 1000, perSet: 12, at: Self.now, seed: 3)))
        let footprint = store.openRollupFootprint()
        #expect(footprint.labelSets == 1000)
        let perLabelSet = footprint.bytes / footprint.labelSets
        #expect(perLabelSet < 3_000, "open rollup state: \(perLabelSet) B per label set")
    }

    /// Label sets that had no events for a whole interval leave memory (their
    /// state is in their stored rows), so memory follows the label sets active
    /// now, not every one ever seen; one that comes back continues from its rows
    /// with the same counters and quantiles as if it had stayed.
    @Test func idleLabelSetsLeaveMemoryAndComeBackIntact() throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(
            path: directory.file("idle.db"), clock: ManualClock(now: Self.now + 10 * Self.minute),
            logger: Logger(label: "t"))
        let first = Self.events(labelSets: 200, perSet: 6, at: Self.now, seed: 5)
        try store.writeSynchronously(IngestBatch(events: first))
        #expect(store.openRollupFootprint().labelSets == 200)
        // Two intervals later one label set has traffic; the other 199 were idle a whole interval.
        let hot = Self.events(labelSets: 1, perSet: 4, at: Self.now + 2 * Self.minute, seed: 6)
        try store.writeSynchronously(IngestBatch(events: hot))
        #expect(store.openRollupFootprint().labelSets == 1)
        // An idle one comes back: once in its old interval (a late line), once later.
        let back = first.filter { $0.tenant == "t7" && $0.model == "m3" }
        #expect(back.count == 6)
        var late = back[0]
        late.timestamp = Self.now + 59_000
        late.latency = 7.5
        var later = back[1]
        later.timestamp = Self.now + 3 * Self.minute + 1_000
        later.latency = 0.25
        try store.writeSynchronously(IngestBatch(events: [late, later]))

        let all = back + [late, later]
        let requests = try #require(
            try store.select(
                [.equal("__name__", "infermon_requests_total"), .equal("tenant", "t7"), .equal("model", "m3")],
                from: Self.now, through: Self.now + 5 * Self.minute
            ).first)
        #expect(requests.samples.last?.value == Double(all.count))
        let series = try #require(
            try store.sketches(
                [.equal("__name__", EventMetrics.requestDuration), .equal("tenant", "t7"), .equal("model", "m3")],
                from: Self.now, through: Self.now + 5 * Self.minute
            ).first)
        var stored = QuantileSketch()
        for point in series.points { stored.merge(point.sketch) }
        var expected = QuantileSketch()
        for event in all { expected.add(event.latency!) }
        #expect(stored.count == UInt64(all.count))
        for q in stride(from: 0.0, through: 1.0, by: 0.05) {
            #expect(stored.quantile(q) == expected.quantile(q), "q \(q)")
        }
        // The first interval's own sketch holds its six events and the late one.
        let firstInterval = try #require(series.points.first { $0.timestamp == Self.now + Self.minute })
        var own = QuantileSketch()
        for event in back + [late] { own.add(event.latency!) }
        #expect(firstInterval.sketch.serialized() == own.serialized())
    }
}
