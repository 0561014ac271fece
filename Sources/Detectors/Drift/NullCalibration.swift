#if canImport(Glibc)
    import Glibc
#endif

/// The null distribution of a distance statistic, estimated on the reference.
///
/// Under "no drift" both windows are draws from one distribution; the reference's
/// empirical distribution stands in for it. Each replicate draws a pseudo
/// reference and a pseudo current window from it (with replacement) and computes
/// the statistic. Windows larger than `cap` values together are drawn smaller, in
/// the same proportion, and the statistic rescaled by the effective size
/// n·m/(n+m): distances that behave like a root of a chi-square (Wasserstein,
/// Jensen–Shannon) by its square root, PSI (a chi-square over n) linearly.
///
/// The replicates are summarised by a normal fit after a Wilson–Hilferty cube-root
/// transform of the chi-square-like quantity (D² for Wasserstein and JS, PSI
/// itself), which gives usable tail probabilities for the small levels that
/// multiple testing asks for, where a few hundred replicates alone could not.
public struct NullModel: Sendable, Equatable {
    public var mean: Double
    public var standardDeviation: Double
    /// Exponent that maps the statistic to its chi-square-like scale.
    public var power: Double
    public var replicates: Int

    func transformed(_ statistic: Double) -> Double { pow(max(statistic, 0), power / 3) }

    /// P(statistic ≥ observed) under the fitted null.
    public func pValue(_ observed: Double) -> Double {
        let t = transformed(observed)
        guard standardDeviation > 0 else { return t > mean ? 0 : 1 }
        return SpecialFunctions.normalSurvival((t - mean) / standardDeviation)
    }

    /// The statistic exceeded with probability `level` under the fitted null.
    public func quantile(exceeded level: Double) -> Double {
        let t = mean + SpecialFunctions.normalQuantile(1 - level) * standardDeviation
        return pow(max(t, 0), 3 / power)
    }
}

enum NullCalibration {
    static func model(
        test: DriftTest, reference: FieldSample, currentCount: Int, binCount: Int?, replicates: Int, cap: Int,
        generator: inout SeededGenerator
    ) -> NullModel {
        let n = reference.count
        let m = currentCount
        let fraction = n + m > cap ? Double(cap) / Double(n + m) : 1
        let drawnN = max(Int((Double(n) * fraction).rounded()), min(n, 20))
        let drawnM = max(Int((Double(m) * fraction).rounded()), min(m, 20))
        let effective = Double(n) * Double(m) / Double(n + m)
        let drawnEffective = Double(drawnN) * Double(drawnM) / Double(drawnN + drawnM)
        let power = test == .psi ? 1.0 : 2.0
        let rescale = pow(drawnEffective / effective, power / 2)
        var transformed: [Double] = []
        transformed.reserveCapacity(replicates)
        switch reference {
        case .numeric(let sample):
            var scratch = [Double](repeating: 0, count: max(drawnN, drawnM) + 1)
            for _ in 0..<replicates {
                let pseudoReference = SortedSample(
                    sorted: sortedDraw(sample.values, count: drawnN, scratch: &scratch, generator: &generator))
                let pseudoCurrent = SortedSample(
                    sorted: sortedDraw(sample.values, count: drawnM, scratch: &scratch, generator: &generator))
                let statistic = DriftStatistics.distance(
                    test, reference: .numeric(pseudoReference), current: .numeric(pseudoCurrent), binCount: binCount)
                transformed.append(pow(max(statistic * rescale, 0), power / 3))
            }
        case .categorical(let counts):
            let labels = counts.keys.sorted()
            var cumulative: [Double] = []
            var running = 0.0
            for label in labels {
                running += Double(counts[label] ?? 0)
                cumulative.append(running)
            }
            for _ in 0..<replicates {
                let left = categoryDraw(cumulative, count: drawnN, generator: &generator)
                let right = categoryDraw(cumulative, count: drawnM, generator: &generator)
                let bins = BinnedShares(
                    labels: labels, referenceCounts: left, currentCounts: right,
                    referenceShares: left.map { Double($0) / Double(drawnN) },
                    currentShares: right.map { Double($0) / Double(drawnM) })
                let statistic = test == .psi ? DriftStatistics.psi(bins) : DriftStatistics.jensenShannon(bins)
                transformed.append(pow(max(statistic * rescale, 0), power / 3))
            }
        }
        let mean = transformed.reduce(0, +) / Double(transformed.count)
        var squares = 0.0
        for value in transformed { squares += (value - mean) * (value - mean) }
        let deviation = (squares / Double(max(transformed.count - 1, 1))).squareRoot()
        return NullModel(mean: mean, standardDeviation: deviation, power: power, replicates: replicates)
    }

    /// `count` values drawn with replacement from sorted `values`, already in order:
    /// sorted uniforms come from normalised cumulative exponential spacings, so no sort is needed.
    static func sortedDraw(
        _ values: [Double], count: Int, scratch: inout [Double], generator: inout SeededGenerator
    ) -> [Double] {
        let n = values.count
        var total = 0.0
        for i in 0...count {
            total += -log(generator.unit())
            scratch[i] = total
        }
        let scale = Double(n) / total
        var out = [Double](repeating: 0, count: count)
        values.withUnsafeBufferPointer { source in
            for i in 0..<count { out[i] = source[min(Int(scratch[i] * scale), n - 1)] }
        }
        return out
    }

    /// Category counts of `count` draws from the distribution with the given cumulative weights.
    static func categoryDraw(_ cumulative: [Double], count: Int, generator: inout SeededGenerator) -> [Int] {
        var counts = [Int](repeating: 0, count: cumulative.count)
        let total = cumulative[cumulative.count - 1]
        for _ in 0..<count {
            let target = generator.unit() * total
            var low = 0
            var high = cumulative.count - 1
            while low < high {
                let middle = (low + high) / 2
                if cumulative[middle] > target { high = middle } else { low = middle + 1 }
            }
            counts[low] += 1
        }
        return counts
    }
}
