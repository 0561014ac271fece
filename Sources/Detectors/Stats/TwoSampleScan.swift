/// Single merge walks over two sorted samples. Each statistic that compares
/// empirical CDFs is one linear pass; no merged copy is ever built.
public enum TwoSampleScan {
    /// The KS numerator and the Wasserstein distance from one merge of the samples.
    public struct ECDFComparison: Sendable, Equatable {
        /// max over x of |i(x)·n2 − j(x)·n1|, where i, j count values ≤ x: the KS
        /// statistic times n1·n2, kept integral so the exact test gets it without rounding.
        public var maxGap: Int
        /// ∫|F1 − F2| dx, scipy's `wasserstein_distance` with unit weights.
        public var wasserstein: Double
    }

    /// Walks the merged order once. The choice of the next value is written
    /// without branches (the samples interleave unpredictably); the ECDF gap is
    /// only read between distinct values, so ties are handled as the ECDFs define them.
    /// The Wasserstein integral only covers `lower...upper` (all of the line by default).
    public static func compare(
        _ a: [Double], _ b: [Double], lower: Double = -.infinity, upper: Double = .infinity
    ) -> ECDFComparison {
        let n1 = a.count
        let n2 = b.count
        guard n1 > 0, n2 > 0 else { return ECDFComparison(maxGap: 0, wasserstein: .nan) }
        let w1 = 1 / Double(n1)
        let w2 = 1 / Double(n2)
        var largest = 0
        var total = 0.0
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                var i = 0
                var j = 0
                var previous = min(a[0], b[0])
                while i < n1 || j < n2 {
                    let x = i < n1 ? a[i] : Double.infinity
                    let y = j < n2 ? b[j] : Double.infinity
                    let takeFirst = x <= y
                    let value = takeFirst ? x : y
                    if value > previous {
                        let gap = abs(i * n2 - j * n1)
                        largest = gap > largest ? gap : largest
                        let width = min(value, upper) - max(previous, lower)
                        if width > 0 { total += abs(Double(i) * w1 - Double(j) * w2) * width }
                        previous = value
                    }
                    i &+= takeFirst ? 1 : 0
                    j &+= takeFirst ? 0 : 1
                }
            }
        }
        return ECDFComparison(maxGap: largest, wasserstein: total)
    }

    public static func maxECDFGap(_ a: [Double], _ b: [Double]) -> Int { compare(a, b).maxGap }

    public static func wasserstein(_ a: [Double], _ b: [Double]) -> Double { compare(a, b).wasserstein }

    /// Counts of a sorted sample in consecutive bins with the given edges, as numpy's
    /// `histogram` counts them: [e_k, e_k+1) except the last bin, which is closed.
    public static func binCounts(_ sample: SortedSample, edges: [Double], into counts: inout [Int]) {
        let bins = edges.count - 1
        if counts.count != bins { counts = [Int](repeating: 0, count: bins) }
        var previous = sample.lowerBound(edges[0])
        for k in 0..<bins {
            let next = k == bins - 1 ? sample.upperBound(edges[k + 1]) : sample.lowerBound(edges[k + 1])
            counts[k] = next - previous
            previous = next
        }
    }
}
