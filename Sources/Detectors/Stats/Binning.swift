#if canImport(Glibc)
    import Glibc
#endif

/// Reference and current shares over common bins, for PSI and Jensen–Shannon.
public struct BinnedShares: Sendable, Equatable {
    /// Human-readable bin names: "[0.1, 0.2)" for numbers, the value for categories.
    public var labels: [String]
    public var referenceCounts: [Int]
    public var currentCounts: [Int]
    public var referenceShares: [Double]
    public var currentShares: [Double]
}

/// Binning exactly as Evidently's `get_binned_data`: a numeric field whose
/// reference has more than 20 distinct values gets equal-width bins over the
/// combined range, as many as Sturges' rule gives for the combined size
/// (`numpy.histogram_bin_edges(..., bins="sturges")`); anything else is binned by
/// distinct value. Shares are counts over the sample size.
public enum Binning {
    public static let distinctValueLimit = 20

    public static func numeric(reference: SortedSample, current: SortedSample, binCount: Int? = nil) -> BinnedShares {
        if reference.distinctCount <= distinctValueLimit {
            return byValue(reference: reference, current: current)
        }
        let edges = sturgesEdges(reference: reference, current: current, binCount: binCount)
        var referenceCounts: [Int] = []
        var currentCounts: [Int] = []
        TwoSampleScan.binCounts(reference, edges: edges, into: &referenceCounts)
        TwoSampleScan.binCounts(current, edges: edges, into: &currentCounts)
        var labels: [String] = []
        labels.reserveCapacity(edges.count - 1)
        for k in 0..<(edges.count - 1) {
            let close = k == edges.count - 2 ? "]" : ")"
            labels.append("[\(shortNumber(edges[k])), \(shortNumber(edges[k + 1]))\(close)")
        }
        return shares(labels, referenceCounts, currentCounts, reference.count, current.count)
    }

    /// Number of Sturges bins numpy would use for the combined sample.
    public static func sturgesBinCount(reference: SortedSample, current: SortedSample) -> Int {
        let low = min(reference.values[0], current.values[0])
        let high = max(reference.values[reference.count - 1], current.values[current.count - 1])
        let width = (high - low) / (log2(Double(reference.count + current.count)) + 1)
        guard width > 0 else { return 1 }
        return max(Int(((high - low) / width).rounded(.up)), 1)
    }

    /// numpy's `linspace(low, high, bins + 1)` over the combined range.
    public static func sturgesEdges(reference: SortedSample, current: SortedSample, binCount: Int? = nil) -> [Double] {
        var low = min(reference.values[0], current.values[0])
        var high = max(reference.values[reference.count - 1], current.values[current.count - 1])
        let bins = binCount ?? sturgesBinCount(reference: reference, current: current)
        if low == high {
            low -= 0.5
            high += 0.5
        }
        let step = (high - low) / Double(bins)
        var edges = [Double](repeating: 0, count: bins + 1)
        for i in 0...bins { edges[i] = Double(i) * step + low }
        edges[bins] = high
        return edges
    }

    /// One bin per distinct value present in either sample.
    public static func byValue(reference: SortedSample, current: SortedSample) -> BinnedShares {
        let left = reference.valueCounts()
        let right = current.valueCounts()
        var labels: [String] = []
        var referenceCounts: [Int] = []
        var currentCounts: [Int] = []
        var i = 0
        var j = 0
        while i < left.count || j < right.count {
            let a = i < left.count ? left[i].value : .infinity
            let b = j < right.count ? right[j].value : .infinity
            let value = min(a, b)
            labels.append(shortNumber(value))
            referenceCounts.append(a == value ? left[i].count : 0)
            currentCounts.append(b == value ? right[j].count : 0)
            if a == value { i += 1 }
            if b == value { j += 1 }
        }
        return shares(labels, referenceCounts, currentCounts, reference.count, current.count)
    }

    /// Categories present in either sample, from their counts.
    public static func categorical(reference: [String: Int], current: [String: Int]) -> BinnedShares {
        let keys = Set(reference.keys).union(current.keys).sorted()
        let referenceCounts = keys.map { reference[$0] ?? 0 }
        let currentCounts = keys.map { current[$0] ?? 0 }
        return shares(
            keys, referenceCounts, currentCounts, referenceCounts.reduce(0, +), currentCounts.reduce(0, +))
    }

    /// Evidently's zero handling before PSI: each side's empty bins get that side's
    /// smallest non-zero share divided by 10⁶ when it is at most 10⁻⁴, else 10⁻⁴.
    public static func fillZeros(_ shares: [Double]) -> [Double] {
        guard let smallest = shares.filter({ $0 != 0 }).min() else { return shares }
        let fill = smallest <= 0.0001 ? smallest / 1e6 : 0.0001
        return shares.map { $0 == 0 ? fill : $0 }
    }

    private static func shares(
        _ labels: [String], _ referenceCounts: [Int], _ currentCounts: [Int], _ referenceSize: Int, _ currentSize: Int
    ) -> BinnedShares {
        let r = Double(referenceSize)
        let c = Double(currentSize)
        return BinnedShares(
            labels: labels, referenceCounts: referenceCounts, currentCounts: currentCounts,
            referenceShares: referenceCounts.map { Double($0) / r }, currentShares: currentCounts.map { Double($0) / c }
        )
    }
}

/// A compact rendering of a bin edge for reports: four significant digits.
func shortNumber(_ value: Double) -> String {
    guard value.isFinite, value != 0 else { return value == 0 ? "0" : String(value) }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    let exponent = Int(log10(abs(value)).rounded(.down))
    let scale = pow(10, Double(3 - exponent))
    let rounded = (value * scale).rounded() / scale
    return String(rounded)
}
