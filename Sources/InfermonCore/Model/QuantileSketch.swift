#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A mergeable quantile sketch with bounded relative error (DDSketch, Masson et
/// al., VLDB 2019). Every quantile it answers is within `relativeAccuracy` of the
/// true value at that rank, and two sketches merge exactly by adding bin counts,
/// which is what lets one-minute rollups be combined into any longer window.
///
/// Values are mapped to logarithmic bins `ceil(log_γ(x))` with
/// `γ = (1+α)/(1−α)`. Bins are held densely in memory for fast inserts and
/// serialised sparsely, so a rollup of a few dozen requests stays a few dozen bytes.
public struct QuantileSketch: Sendable, Equatable {
    /// The relative accuracy of every sketch infermon stores: 0.5%.
    public static let defaultRelativeAccuracy = 0.005

    public let relativeAccuracy: Double
    private let logGamma: Double
    private var positive: DenseBins
    private var negative: DenseBins
    public private(set) var zeroCount: UInt64
    public private(set) var count: UInt64
    public private(set) var sum: Double
    public private(set) var min: Double
    public private(set) var max: Double

    /// Values whose magnitude is below this count as zero; bins below it would
    /// only add width without adding accuracy anyone needs.
    static let minIndexableValue = 1e-9

    public init(relativeAccuracy: Double = QuantileSketch.defaultRelativeAccuracy) {
        precondition(relativeAccuracy > 0 && relativeAccuracy < 1)
        self.relativeAccuracy = relativeAccuracy
        let gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy)
        logGamma = log(gamma)
        positive = DenseBins()
        negative = DenseBins()
        zeroCount = 0
        count = 0
        sum = 0
        min = .infinity
        max = -.infinity
    }

    public var isEmpty: Bool { count == 0 }

    @inlinable
    public mutating func add(_ value: Double) { add(value, count: 1) }

    public mutating func add(_ value: Double, count weight: UInt64) {
        guard value.isFinite, weight > 0 else { return }
        if value > Self.minIndexableValue {
            positive.add(index(of: value), weight)
        } else if value < -Self.minIndexableValue {
            negative.add(index(of: -value), weight)
        } else {
            zeroCount += weight
        }
        count += weight
        sum += value * Double(weight)
        if value < min { min = value }
        if value > max { max = value }
    }

    public mutating func merge(_ other: QuantileSketch) {
        precondition(other.relativeAccuracy == relativeAccuracy, "sketches of different accuracy do not merge")
        guard other.count > 0 else { return }
        positive.merge(other.positive)
        negative.merge(other.negative)
        zeroCount += other.zeroCount
        count += other.count
        sum += other.sum
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
    }

    /// The value at quantile `q` in [0, 1], or nil for an empty sketch. The answer
    /// is clamped to the exact minimum and maximum, which makes the extremes exact.
    public func quantile(_ q: Double) -> Double? {
        guard count > 0, q >= 0, q <= 1 else { return nil }
        // The extremes are tracked exactly; no bin midpoint should stand in for them.
        if q == 0 { return min }
        if q == 1 { return max }
        let rank = q * Double(count - 1)
        var seen: Double = 0
        var result: Double?
        // Negative bins, from the most negative value upward.
        negative.forEachDescending { index, binCount in
            seen += Double(binCount)
            if seen > rank {
                result = -value(at: index)
                return false
            }
            return true
        }
        if result == nil {
            seen += Double(zeroCount)
            if seen > rank { result = 0 }
        }
        if result == nil {
            positive.forEachAscending { index, binCount in
                seen += Double(binCount)
                if seen > rank {
                    result = value(at: index)
                    return false
                }
                return true
            }
        }
        guard let answer = result ?? (max.isFinite ? max : nil) else { return nil }
        return Swift.min(Swift.max(answer, min), max)
    }

    @inline(__always)
    private func index(of magnitude: Double) -> Int32 {
        Int32((log(magnitude) / logGamma).rounded(.up))
    }

    /// The representative value of a bin, chosen so every value in it is within α.
    private func value(at index: Int32) -> Double {
        let gamma = exp(logGamma)
        return 2 * exp(logGamma * Double(index)) / (1 + gamma)
    }

    /// Number of non-empty bins, the figure that decides serialised size.
    public var nonEmptyBinCount: Int { positive.nonEmptyCount + negative.nonEmptyCount }

    // MARK: Serialisation

    /// Compact bytes: a version, the accuracy, exact count/sum/min/max, then each
    /// store as (first index, run of counts) with zero runs skipped. Varints throughout.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(48 + (positive.counts.count + negative.counts.count) * 2)
        out.append(1)  // format version
        appendDouble(relativeAccuracy, to: &out)
        appendVarint(count, to: &out)
        appendVarint(zeroCount, to: &out)
        appendDouble(sum, to: &out)
        appendDouble(min, to: &out)
        appendDouble(max, to: &out)
        positive.serialize(to: &out)
        negative.serialize(to: &out)
        return out
    }

    public init(serialized bytes: some Collection<UInt8>) throws {
        var reader = ByteReader(Array(bytes))
        guard try reader.byte() == 1 else { throw InfermonError.storage("unknown sketch format") }
        self.init(relativeAccuracy: try reader.double())
        count = try reader.varint()
        zeroCount = try reader.varint()
        sum = try reader.double()
        min = try reader.double()
        max = try reader.double()
        positive = try DenseBins(reading: &reader)
        negative = try DenseBins(reading: &reader)
    }
}

/// Bin counts in a contiguous array starting at `offset`, grown on either side.
struct DenseBins: Sendable, Equatable {
    private(set) var offset: Int32 = 0
    private(set) var counts: [UInt64] = []

    init() {}

    var nonEmptyCount: Int { counts.reduce(0) { $0 + ($1 > 0 ? 1 : 0) } }

    @inline(__always)
    mutating func add(_ index: Int32, _ weight: UInt64) {
        if counts.isEmpty {
            offset = index
            counts = [weight]
            return
        }
        if index < offset {
            let grow = Int(offset - index)
            counts.insert(contentsOf: repeatElement(0, count: grow), at: 0)
            offset = index
        } else if Int(index - offset) >= counts.count {
            counts.append(contentsOf: repeatElement(0, count: Int(index - offset) - counts.count + 1))
        }
        counts[Int(index - offset)] += weight
    }

    mutating func merge(_ other: DenseBins) {
        guard !other.counts.isEmpty else { return }
        if counts.isEmpty {
            self = other
            return
        }
        add(other.offset, 0)
        add(other.offset + Int32(other.counts.count - 1), 0)
        let shift = Int(other.offset - offset)
        for (position, value) in other.counts.enumerated() where value > 0 {
            counts[shift + position] += value
        }
    }

    func forEachAscending(_ body: (Int32, UInt64) -> Bool) {
        for (position, value) in counts.enumerated() where value > 0 {
            if !body(offset + Int32(position), value) { return }
        }
    }

    func forEachDescending(_ body: (Int32, UInt64) -> Bool) {
        for position in counts.indices.reversed() where counts[position] > 0 {
            if !body(offset + Int32(position), counts[position]) { return }
        }
    }

    /// Runs of non-zero bins: (run count), then per run (index zigzag, length, counts...).
    /// One pass: the runs are written first and their count put in front after.
    func serialize(to out: inout [UInt8]) {
        let start = out.count
        var runs: UInt64 = 0
        counts.withUnsafeBufferPointer { counts in
            var position = 0
            while position < counts.count {
                if counts[position] == 0 {
                    position += 1
                    continue
                }
                var end = position + 1
                while end < counts.count && counts[end] > 0 { end += 1 }
                appendVarint(zigzag(Int64(offset) + Int64(position)), to: &out)
                appendVarint(UInt64(end - position), to: &out)
                for index in position..<end { appendVarint(counts[index], to: &out) }
                runs += 1
                position = end
            }
        }
        if runs < 0x80 {
            out.insert(UInt8(runs), at: start)
        } else {
            var count: [UInt8] = []
            appendVarint(runs, to: &count)
            out.insert(contentsOf: count, at: start)
        }
    }

    init(reading reader: inout ByteReader) throws {
        let runCount = try reader.varint()
        guard runCount < 1 << 20 else { throw InfermonError.storage("corrupt sketch") }
        for _ in 0..<runCount {
            let start = Int32(truncatingIfNeeded: unzigzag(try reader.varint()))
            let length = try reader.varint()
            guard length < 1 << 20 else { throw InfermonError.storage("corrupt sketch") }
            for step in 0..<Int32(length) { add(start + step, try reader.varint()) }
        }
    }
}
