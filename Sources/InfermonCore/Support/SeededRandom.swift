#if canImport(Glibc)
    import Glibc
#endif

/// A small, fast, seedable generator (SplitMix64), so generated traffic, bench
/// inputs and randomised tests are the same on every run with the same seed.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in (0, 1).
    public mutating func unit() -> Double { (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992.0 }

    public mutating func normal() -> Double {
        sqrt(-2 * log(unit())) * cos(2 * Double.pi * unit())
    }

    public mutating func logNormal(median: Double, sigma: Double) -> Double { median * exp(sigma * normal()) }

    public mutating func exponential(rate: Double) -> Double { -log(unit()) / rate }

    public mutating func chance(_ probability: Double) -> Bool { unit() < probability }

    /// An index drawn with the given weights.
    public mutating func weighted(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var pick = unit() * total
        for (index, weight) in weights.enumerated() {
            pick -= weight
            if pick <= 0 { return index }
        }
        return weights.count - 1
    }
}
