#if canImport(Glibc)
    import Glibc
#endif

/// Exact draws from Binomial(n, p) by inverting its CDF with one uniform
/// number: the coverage simulations of the rate intervals (tests and
/// `infermon-bench ppi`) need exact counts, fast enough for thousands of
/// trials at n = 5,000. The log pmf through `lgamma` keeps large n finite.
public struct BinomialSampler: Sendable {
    let cdf: [Double]

    public init(n: Int, p: Double) {
        var cdf: [Double] = []
        cdf.reserveCapacity(n + 1)
        var total = 0.0
        for k in 0...n {
            let logPMF =
                lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1)) + Double(k) * log(p)
                + Double(n - k) * log1p(-p)
            total += exp(logPMF)
            cdf.append(total)
        }
        self.cdf = cdf
    }

    /// The count whose CDF first reaches `uniform` (in [0, 1)).
    public func draw(_ uniform: Double) -> Int {
        let target = uniform * cdf[cdf.count - 1]
        var low = 0
        var high = cdf.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cdf[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
