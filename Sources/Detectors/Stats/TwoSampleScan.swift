/// Single merge walks over two sorted samples. Each statistic that compares
/// empirical CDFs is one linear pass; no merged copy is ever built.
public enum TwoSampleScan {
    /// max over x of |i(x)·n2 − j(x)·n1|, where i, j count values ≤ x: the KS
    /// statistic times n1·n2, kept integral so the exact test gets it without rounding.
    public static func maxECDFGap(_ a: [Double], _ b: [Double]) -> Int {
        let n1 = a.count
        let n2 = b.count
        var i = 0
        var j = 0
        var largest = 0
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                while i < n1 && j < n2 {
                    let x = min(a[i], b[j])
                    while i < n1 && a[i] <= x { i += 1 }
                    while j < n2 && b[j] <= x { j += 1 }
                    let gap = abs(i * n2 - j * n1)
                    if gap > largest { largest = gap }
                }
            }
        }
        // Once one sample is exhausted the gap only shrinks towards zero.
        return largest
    }

    /// The 1-Wasserstein distance ∫|F1 − F2| dx between the empirical
    /// distributions (scipy's `wasserstein_distance` with unit weights).
    public static func wasserstein(_ a: [Double], _ b: [Double]) -> Double {
        let n1 = a.count
        let n2 = b.count
        guard n1 > 0, n2 > 0 else { return .nan }
        let w1 = 1 / Double(n1)
        let w2 = 1 / Double(n2)
        var total = 0.0
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                var i = 0
                var j = 0
                var x = min(a[0], b[0])
                while true {
                    while i < n1 && a[i] <= x { i += 1 }
                    while j < n2 && b[j] <= x { j += 1 }
                    let nextA = i < n1 ? a[i] : Double.infinity
                    let nextB = j < n2 ? b[j] : Double.infinity
                    let next = min(nextA, nextB)
                    if next == .infinity { break }
                    total += abs(Double(i) * w1 - Double(j) * w2) * (next - x)
                    x = next
                }
            }
        }
        return total
    }

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
