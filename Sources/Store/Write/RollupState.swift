public import InfermonCore

/// Counters that only grow, as a Prometheus client library would expose them.
/// Stored cumulatively in every rollup row so a counter sample can be read from
/// one row without summing history.
package struct CumulativeTotals: Equatable {
    package init() {}

    /// Adds another set of counts: late events' contributions to a later row.
    package mutating func add(_ other: CumulativeTotals) {
        requests += other.requests
        latencyCount += other.latencyCount
        latencySum += other.latencySum
        for index in latencyBins.indices { latencyBins[index] += other.latencyBins[index] }
        ttftCount += other.ttftCount
        ttftSum += other.ttftSum
        for index in ttftBins.indices { ttftBins[index] += other.ttftBins[index] }
        inputTokens = saturatingAdd(inputTokens, Int(other.inputTokens))
        outputTokens = saturatingAdd(outputTokens, Int(other.outputTokens))
        cachedTokens = saturatingAdd(cachedTokens, Int(other.cachedTokens))
        reasoningTokens = saturatingAdd(reasoningTokens, Int(other.reasoningTokens))
        cost += other.cost
        costedRequests += other.costedRequests
    }

    package var requests: Int64 = 0
    package var latencyCount: Int64 = 0
    package var latencySum: Double = 0
    /// Observations per histogram bin (not cumulative over `le`; the last bin is above the top bound).
    package var latencyBins = [UInt64](repeating: 0, count: EventMetrics.durationBuckets.count + 1)
    package var ttftCount: Int64 = 0
    package var ttftSum: Double = 0
    package var ttftBins = [UInt64](repeating: 0, count: EventMetrics.timeToFirstTokenBuckets.count + 1)
    package var inputTokens: Int64 = 0
    package var outputTokens: Int64 = 0
    package var cachedTokens: Int64 = 0
    package var reasoningTokens: Int64 = 0
    package var cost: Double = 0
    package var costedRequests: Int64 = 0
}

/// The sketches of one rollup interval.
package struct IntervalSketches {
    package init(
        latency: QuantileSketch = QuantileSketch(), ttft: QuantileSketch = QuantileSketch(),
        tpot: QuantileSketch = QuantileSketch(), inputTokens: QuantileSketch = QuantileSketch(),
        outputTokens: QuantileSketch = QuantileSketch()
    ) {
        self.latency = latency
        self.ttft = ttft
        self.tpot = tpot
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }

    package var latency = QuantileSketch()
    package var ttft = QuantileSketch()
    package var tpot = QuantileSketch()
    package var inputTokens = QuantileSketch()
    package var outputTokens = QuantileSketch()

    /// Heap bytes of the five sketches' bins.
    package var retainedBytes: Int {
        latency.retainedBytes + ttft.retainedBytes + tpot.retainedBytes + inputTokens.retainedBytes
            + outputTokens.retainedBytes
    }
}

/// The open (latest) rollup interval of one event key. A class, so that adding
/// an event updates it in place: as a struct in a dictionary, every event would
/// copy its sketches' bins.
package final class RollupState {
    package let bucket: Timestamp
    package var lastTimestamp: Timestamp
    package var totals: CumulativeTotals
    package var sketches: IntervalSketches
    var dirty: Bool

    package init(
        bucket: Timestamp, lastTimestamp: Timestamp, totals: CumulativeTotals, sketches: IntervalSketches, dirty: Bool
    ) {
        self.bucket = bucket
        self.lastTimestamp = lastTimestamp
        self.totals = totals
        self.sketches = sketches
        self.dirty = dirty
    }

    /// Adds events of this interval. Totals and sketches are moved into locals for
    /// the loop: mutated in place on the class, each field access would pay a
    /// dynamic exclusivity check.
    package func add(_ events: ArraySlice<RollupFields>) {
        var totals = self.totals
        self.totals = Self.placeholderTotals
        var sketches = self.sketches
        self.sketches = Self.placeholderSketches
        var lastTimestamp = self.lastTimestamp
        defer {
            self.totals = totals
            self.sketches = sketches
            self.lastTimestamp = lastTimestamp
            dirty = true
        }
        for event in events {
            totals.requests += 1
            if event.timestamp > lastTimestamp { lastTimestamp = event.timestamp }
            if let latency = event.latency {
                totals.latencyCount += 1
                totals.latencySum += latency
                totals.latencyBins[binIndex(latency, EventMetrics.durationBuckets)] += 1
                sketches.latency.add(latency)
            }
            if let ttft = event.timeToFirstToken {
                totals.ttftCount += 1
                totals.ttftSum += ttft
                totals.ttftBins[binIndex(ttft, EventMetrics.timeToFirstTokenBuckets)] += 1
                sketches.ttft.add(ttft)
                if let tpot = event.timePerOutputToken { sketches.tpot.add(tpot) }
            }
            if let tokens = event.promptTokens {
                totals.inputTokens = saturatingAdd(totals.inputTokens, tokens)
                sketches.inputTokens.add(Double(tokens))
            }
            if let tokens = event.completionTokens {
                totals.outputTokens = saturatingAdd(totals.outputTokens, tokens)
                sketches.outputTokens.add(Double(tokens))
            }
            if let tokens = event.cachedTokens { totals.cachedTokens = saturatingAdd(totals.cachedTokens, tokens) }
            if let tokens = event.reasoningTokens {
                totals.reasoningTokens = saturatingAdd(totals.reasoningTokens, tokens)
            }
            if let cost = event.cost {
                totals.cost += cost
                totals.costedRequests += 1
            }
        }
    }

    /// What one label set's open interval holds in memory, counted structurally:
    /// the object (its fields with the five sketches inline, and malloc's 16-byte
    /// header), the two histogram bin arrays of its totals, and the sketches' bins.
    package var retainedBytes: Int {
        func bytes(_ array: [UInt64]) -> Int { array.capacity == 0 ? 0 : 32 + array.capacity * 8 }
        return 16 + MemoryLayout<Timestamp>.stride * 2 + MemoryLayout<CumulativeTotals>.stride
            + MemoryLayout<IntervalSketches>.stride + 8 + bytes(totals.latencyBins) + bytes(totals.ttftBins)
            + sketches.retainedBytes
    }

    private static let placeholderTotals = CumulativeTotals()
    private static let placeholderSketches = IntervalSketches()
}

/// The fields of an event that its rollup counts. Read one by one out of the
/// batch, they spare copying (and retaining every string of) the whole event.
package struct RollupFields {
    package var timestamp: Timestamp
    var latency: Double?
    var timeToFirstToken: Double?
    var promptTokens: Int?
    var completionTokens: Int?
    var cachedTokens: Int?
    var reasoningTokens: Int?
    var cost: Double?
    var streamed: Bool?

    @inline(__always)
    package init(_ events: UnsafeBufferPointer<InferenceEvent>, _ position: Int) {
        timestamp = events[position].timestamp
        latency = events[position].latency
        timeToFirstToken = events[position].timeToFirstToken
        promptTokens = events[position].promptTokens
        completionTokens = events[position].completionTokens
        cachedTokens = events[position].cachedTokens
        reasoningTokens = events[position].reasoningTokens
        cost = events[position].cost
        streamed = events[position].streamed
    }

    var timePerOutputToken: Double? {
        timePerOutputTokenOf(
            streamed: streamed, latency: latency, timeToFirstToken: timeToFirstToken, completionTokens: completionTokens
        )
    }
}

/// (latency − TTFT) / (completion tokens − 1): the pace of streaming after the
/// first token. Undefined without a first-token time, with fewer than two tokens,
/// or for a request logged as not streamed (whose "first token" time is the whole
/// answer's, which would put a false 0 into the distribution).
public func timePerOutputToken(_ event: InferenceEvent) -> Double? {
    timePerOutputTokenOf(
        streamed: event.streamed, latency: event.latency, timeToFirstToken: event.timeToFirstToken,
        completionTokens: event.completionTokens)
}

@inline(__always)
private func timePerOutputTokenOf(streamed: Bool?, latency: Double?, timeToFirstToken: Double?, completionTokens: Int?)
    -> Double?
{
    guard streamed != false, let latency, let timeToFirstToken, let completionTokens, completionTokens > 1,
        latency >= timeToFirstToken
    else { return nil }
    return (latency - timeToFirstToken) / Double(completionTokens - 1)
}

/// The histogram bin of a value: the first bound it does not exceed, or the overflow bin.
@inline(__always)
package func binIndex(_ value: Double, _ bounds: [Double]) -> Int {
    var low = 0
    var high = bounds.count
    while low < high {
        let middle = (low + high) / 2
        if value <= bounds[middle] { high = middle } else { low = middle + 1 }
    }
    return low
}

/// Bin counts as a varint blob.
func encodeBins(_ bins: [UInt64]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(bins.count * 2)
    for value in bins { appendVarint(value, to: &out) }
    return out
}

func decodeBins(_ bytes: UnsafeRawBufferPointer, count: Int) -> [UInt64] {
    var bins = [UInt64](repeating: 0, count: count)
    var position = 0
    for index in 0..<count { bins[index] = readBinCount(bytes, at: &position) }
    return bins
}

/// The next varint count of a bins blob; past its end (fewer bins stored) it is 0.
@inline(__always)
func readBinCount(_ bytes: UnsafeRawBufferPointer, at position: inout Int) -> UInt64 {
    var value: UInt64 = 0
    var shift: UInt64 = 0
    while position < bytes.count {
        let byte = bytes[position]
        position += 1
        value |= UInt64(byte & 0x7f) << shift
        if byte < 0x80 { break }
        shift += 7
    }
    return value
}

/// Token totals are cumulative over a label set's life: a stream of hostile
/// counts (each may be up to 10^15) must pin the counter, not trap the writer.
@inline(__always)
func saturatingAdd(_ total: Int64, _ value: Int) -> Int64 {
    let (sum, overflow) = total.addingReportingOverflow(Int64(value))
    return overflow ? .max : sum
}

/// `{"name":1.5,"tier":"gold"}`, keys sorted so identical maps store identically:
/// the `features` text of an event row, in SQLite and in PostgreSQL.
package func featuresJSON(_ features: [String: FeatureValue]) -> String {
    var out = "{"
    for (index, name) in features.keys.sorted().enumerated() {
        if index > 0 { out += "," }
        writeJSONString(name, to: &out)
        out += ":"
        switch features[name]! {
        case .number(let number): out += formatJSONNumber(number)
        case .category(let text): writeJSONString(text, to: &out)
        }
    }
    return out + "}"
}
