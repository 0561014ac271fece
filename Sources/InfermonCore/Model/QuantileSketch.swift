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
/// `γ = (1+α)/(1−α)`. Bins are held sparsely until dense is no larger, and
/// serialised as runs of non-empty bins (`QuantileSketch+Serialization`).
public struct QuantileSketch: Sendable, Equatable {
    /// The relative accuracy of every sketch infermon stores: 0.5%.
    public static let defaultRelativeAccuracy = 0.005

    public let relativeAccuracy: Double
    private let logGamma: Double
    // Internal, not private: the serialisation (QuantileSketch+Serialization) sets them.
    var positive: DenseBins
    var negative: DenseBins
    public internal(set) var zeroCount: UInt64
    public internal(set) var count: UInt64
    public internal(set) var sum: Double
    public internal(set) var min: Double
    public internal(set) var max: Double

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

    /// Heap bytes its bins hold now (besides the struct itself): 8 per non-empty
    /// bin while sparse, 8 per bin of the span once dense.
    public var retainedBytes: Int { positive.retainedBytes + negative.retainedBytes }

    /// Whether its bins are held densely (for tests of the compact form).
    public var isDense: Bool { positive.isDense || negative.isDense }

    /// The same sketch with its bins held densely, as every sketch was before the
    /// sparse form: what tests compare the sparse form's answers with.
    package func densified() -> QuantileSketch {
        var copy = self
        copy.positive.densify()
        copy.negative.densify()
        return copy
    }
}

/// The bins of one sign. A sketch starts sparse: its non-empty bins as (index,
/// count) pairs in index order, 8 bytes each, which is what most rollup
/// intervals of a label set ever hold (a dozen requests a minute spread over a
/// few hundred log bins). It turns dense (counts from `offset`, 8 bytes per bin
/// between the smallest and largest index, fast to add to) once that is no
/// larger, it passes `sparseLimit` bins, or a count outgrows 32 bits. Either form
/// answers, merges and serialises the same: only the non-empty bins count.
struct DenseBins: Sendable, Equatable {
    /// A sparse bin, 8 bytes. Never holds a zero count; a count past `UInt32.max`
    /// turns the bins dense.
    struct Bin: Sendable, Equatable {
        var index: Int32
        var count: UInt32
    }

    /// Beyond this many non-empty bins a sketch is dense whatever its span: an
    /// insert into the sparse form moves up to this many pairs (2 KiB).
    static let sparseLimit = 256

    private(set) var offset: Int32 = 0
    /// Dense form; empty while sparse.
    private(set) var counts: [UInt64] = []
    /// Sparse form; empty once dense.
    private(set) var sparse: [Bin] = []

    init() {}

    var isDense: Bool { !counts.isEmpty }

    var nonEmptyCount: Int { isDense ? counts.reduce(0) { $0 + ($1 > 0 ? 1 : 0) } : sparse.count }

    /// Bins held, for reserving serialisation space.
    var storedCount: Int { isDense ? counts.count : sparse.count }

    /// Heap bytes the bins hold (array storage with its 32-byte header; nothing when empty).
    var retainedBytes: Int {
        func bytes<T>(_ array: [T]) -> Int { array.capacity == 0 ? 0 : 32 + array.capacity * MemoryLayout<T>.stride }
        return bytes(counts) + bytes(sparse)
    }

    static func == (left: DenseBins, right: DenseBins) -> Bool {
        var leftBins: [(Int32, UInt64)] = []
        var rightBins: [(Int32, UInt64)] = []
        left.forEachAscending {
            leftBins.append(($0, $1))
            return true
        }
        right.forEachAscending {
            rightBins.append(($0, $1))
            return true
        }
        return leftBins.elementsEqual(rightBins) { $0 == $1 }
    }

    @inline(__always)
    mutating func add(_ index: Int32, _ weight: UInt64) {
        if isDense {
            addDense(index, weight)
        } else {
            addSparse(index, weight)
        }
    }

    private mutating func addSparse(_ index: Int32, _ weight: UInt64) {
        // The first position whose index is not below `index`.
        var low = 0
        var high = sparse.count
        if high > 0 && sparse[high - 1].index < index {
            low = high  // the common case of a new largest value, and of reading runs in order
        } else {
            while low < high {
                let middle = (low + high) / 2
                if sparse[middle].index < index { low = middle + 1 } else { high = middle }
            }
        }
        let found = low < sparse.count && sparse[low].index == index
        let total = (found ? UInt64(sparse[low].count) : 0) + weight
        guard total <= UInt64(UInt32.max) else {
            densify()
            return addDense(index, weight)
        }
        if found {
            sparse[low].count = UInt32(total)
            return
        }
        guard weight > 0 else { return }
        sparse.insert(Bin(index: index, count: UInt32(weight)), at: low)
        // Dense is 8 bytes per bin of the span, sparse 8 per non-empty bin: dense
        // once the bins fill their span (a busy label set), or past the limit.
        if sparse.count > Self.sparseLimit { return densify() }
        if sparse.count >= 32 && Int(sparse[sparse.count - 1].index) - Int(sparse[0].index) < sparse.count {
            densify()
        }
    }

    mutating func densify() {
        guard let first = sparse.first, let last = sparse.last else { return }
        var dense = [UInt64](repeating: 0, count: Int(last.index - first.index) + 1)
        for bin in sparse { dense[Int(bin.index - first.index)] = UInt64(bin.count) }
        offset = first.index
        counts = dense
        sparse = []
    }

    @inline(__always)
    private mutating func addDense(_ index: Int32, _ weight: UInt64) {
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
        if other.isDense {
            if !isDense {
                // Take the other's dense bins and add this one's few on top.
                let mine = sparse
                self = other
                for bin in mine { addDense(bin.index, UInt64(bin.count)) }
                return
            }
            addDense(other.offset, 0)
            addDense(other.offset + Int32(other.counts.count - 1), 0)
            let shift = Int(other.offset - offset)
            for (position, value) in other.counts.enumerated() where value > 0 {
                counts[shift + position] += value
            }
        } else if !other.sparse.isEmpty {
            if isDense || sparse.isEmpty {
                if sparse.isEmpty && !isDense {
                    self = other
                    return
                }
                for bin in other.sparse { addDense(bin.index, UInt64(bin.count)) }
            } else {
                for bin in other.sparse { add(bin.index, UInt64(bin.count)) }
            }
        }
    }

    func forEachAscending(_ body: (Int32, UInt64) -> Bool) {
        if !isDense {
            for bin in sparse where !body(bin.index, UInt64(bin.count)) { return }
            return
        }
        for (position, value) in counts.enumerated() where value > 0 {
            if !body(offset + Int32(position), value) { return }
        }
    }

    func forEachDescending(_ body: (Int32, UInt64) -> Bool) {
        if !isDense {
            for bin in sparse.reversed() where !body(bin.index, UInt64(bin.count)) { return }
            return
        }
        for position in counts.indices.reversed() where counts[position] > 0 {
            if !body(offset + Int32(position), counts[position]) { return }
        }
    }

    /// Runs of non-zero bins: (run count), then per run (index zigzag, length, counts...).
    /// One pass: the runs are written first and their count put in front after.
    func serialize(to out: inout [UInt8]) {
        let start = out.count
        var runs: UInt64 = 0
        if !isDense {
            // The same runs of consecutive indices the dense form writes.
            var position = 0
            while position < sparse.count {
                var end = position + 1
                while end < sparse.count && sparse[end].index == sparse[end - 1].index + 1 { end += 1 }
                appendVarint(zigzag(Int64(sparse[position].index)), to: &out)
                appendVarint(UInt64(end - position), to: &out)
                for index in position..<end { appendVarint(UInt64(sparse[index].count), to: &out) }
                runs += 1
                position = end
            }
            Self.prefix(runs, at: start, in: &out)
            return
        }
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
        Self.prefix(runs, at: start, in: &out)
    }

    private static func prefix(_ runs: UInt64, at start: Int, in out: inout [UInt8]) {
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
