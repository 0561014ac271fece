#if canImport(Glibc)
    import Glibc
#endif

/// Distances between two discrete distributions given as shares per bin.
public enum Divergences {
    /// Population stability index Σ (r − c) · ln(r / c); bins must hold no zeros
    /// (see `Binning.fillZeros`).
    public static func psi(reference: [Double], current: [Double]) -> Double {
        var total = 0.0
        for (r, c) in zip(reference, current) { total += (r - c) * log(r / c) }
        return total
    }

    /// Jensen–Shannon distance, the square root of the JS divergence in natural
    /// logarithms, as `scipy.spatial.distance.jensenshannon(p, q)` with its default
    /// base (which is what Evidently calls). Inputs are normalised first.
    public static func jensenShannon(_ p: [Double], _ q: [Double]) -> Double {
        let pSum = p.reduce(0, +)
        let qSum = q.reduce(0, +)
        var left = 0.0
        var right = 0.0
        for (rawP, rawQ) in zip(p, q) {
            let a = rawP / pSum
            let b = rawQ / qSum
            let m = (a + b) / 2
            left += relativeEntropy(a, m)
            right += relativeEntropy(b, m)
        }
        return ((left + right) / 2).squareRoot()
    }

    /// x · ln(x / y) with the conventions of `scipy.special.rel_entr`.
    @inline(__always)
    static func relativeEntropy(_ x: Double, _ y: Double) -> Double {
        if x > 0 && y > 0 { return x * log(x / y) }
        if x == 0 && y >= 0 { return 0 }
        return .infinity
    }
}
