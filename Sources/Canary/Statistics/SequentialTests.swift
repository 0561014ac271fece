#if canImport(Glibc)
    import Glibc
#endif

/// A running mean and variance (Welford), one value at a time.
public struct RunningMoments: Sendable, Equatable {
    public private(set) var count = 0
    public private(set) var mean = 0.0
    private var sumOfSquares = 0.0

    public init() {}

    public mutating func add(_ value: Double) {
        count += 1
        let delta = value - mean
        mean += delta / Double(count)
        sumOfSquares += delta * (value - mean)
    }

    /// The sample variance (0 for fewer than two values).
    public var variance: Double { count > 1 ? max(sumOfSquares / Double(count - 1), 0) : 0 }
}

/// An interval for a difference `candidate − baseline`, oriented so that a
/// positive value is worse for the candidate.
public struct DifferenceInterval: Sendable, Equatable {
    public var estimate: Double
    public var lower: Double
    public var upper: Double

    public init(estimate: Double, lower: Double, upper: Double) {
        self.estimate = estimate
        self.lower = lower
        self.upper = upper
    }
}

/// The mixture sequential probability ratio test of Johari, Koomen, Pekelis and
/// Walsh ("Always valid inference", 2017/2022), inverted into a confidence
/// sequence. An estimate `θ̂` that is approximately normal with variance `V`
/// around `θ`, mixed over `θ ~ N(θ₀, τ²)`, gives the likelihood ratio
/// `Λ = √(V / (V + τ²)) · exp(τ² (θ̂ − θ₀)² / (2 V (V + τ²)))`, a martingale
/// under `θ = θ₀`; by Ville's inequality `P(∃n: Λₙ ≥ 1/α) ≤ α`. The values
/// `θ₀` not rejected form a confidence sequence `θ̂ ± r` whose radius is below.
/// `τ` is the size of effect the test is tuned for: with `τ` equal to the
/// margin that matters, the boundary is tightest where decisions are made.
public enum MixtureBoundary {
    /// The radius of the (1 − α) confidence sequence for an estimate of variance `variance`.
    public static func radius(variance: Double, tau: Double, alpha: Double) -> Double {
        let v = max(variance, 1e-18)
        let t2 = max(tau * tau, 1e-18)
        return (v * (v + t2) / t2 * (2 * log(1 / alpha) + log((v + t2) / v))).squareRoot()
    }
}

/// Two independent streams, baseline and candidate, compared by the mean of a
/// value (a 0/1 indicator gives a proportion). The variance of the difference
/// of means is `s²_A/n_A + s²_B/n_B`, each from its own arm; for proportions it
/// is pooled (`p̄(1 − p̄)(1/n_A + 1/n_B)` with `p̄ = (x + 1)/(n + 2)`), which is
/// exact under no difference, never zero, and not fooled by an arm that has
/// seen no errors yet.
public struct TwoSampleMeans: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case proportion
        case mean
    }

    public let kind: Kind
    public private(set) var baseline = RunningMoments()
    public private(set) var candidate = RunningMoments()

    public init(kind: Kind) { self.kind = kind }

    public mutating func add(_ value: Double, candidate isCandidate: Bool) {
        if isCandidate { candidate.add(value) } else { baseline.add(value) }
    }

    /// The variance of `mean(candidate) − mean(baseline)`; nil until both arms have two values.
    public var varianceOfDifference: Double? {
        guard baseline.count >= 2, candidate.count >= 2 else { return nil }
        let nA = Double(baseline.count)
        let nB = Double(candidate.count)
        switch kind {
        case .proportion:
            let pooled = (baseline.mean * nA + candidate.mean * nB + 1) / (nA + nB + 2)
            return pooled * (1 - pooled) * (1 / nA + 1 / nB)
        case .mean:
            return baseline.variance / nA + candidate.variance / nB
        }
    }

    public var difference: Double { candidate.mean - baseline.mean }

    /// The (1 − α) confidence sequence for `candidate − baseline`, valid at every sample size at once.
    public func interval(alpha: Double, tau: Double) -> DifferenceInterval? {
        guard let variance = varianceOfDifference else { return nil }
        let radius = MixtureBoundary.radius(variance: variance, tau: tau, alpha: alpha)
        return DifferenceInterval(estimate: difference, lower: difference - radius, upper: difference + radius)
    }

    /// The fixed-sample (1 − α) two-sided normal interval: right once, at a sample size
    /// chosen in advance; wrong when looked at repeatedly (the naive comparison).
    public func fixedSampleInterval(z: Double) -> DifferenceInterval? {
        guard let variance = varianceOfDifference else { return nil }
        let radius = z * max(variance, 1e-18).squareRoot()
        return DifferenceInterval(estimate: difference, lower: difference - radius, upper: difference + radius)
    }
}

/// Paired differences (shadow traffic: one request served by both versions):
/// one stream of `candidate − baseline` per request, its mean tested the same way.
public struct PairedMeans: Sendable, Equatable {
    public private(set) var differences = RunningMoments()

    public init() {}

    public mutating func add(baseline: Double, candidate: Double) { differences.add(candidate - baseline) }

    public func interval(alpha: Double, tau: Double, varianceFloor: Double = 0) -> DifferenceInterval? {
        guard differences.count >= 2 else { return nil }
        let variance = max(differences.variance, varianceFloor) / Double(differences.count)
        let radius = MixtureBoundary.radius(variance: variance, tau: tau, alpha: alpha)
        let mean = differences.mean
        return DifferenceInterval(estimate: mean, lower: mean - radius, upper: mean + radius)
    }
}

/// The sample-ratio-mismatch test of Lindon and Malek ("Anytime-valid inference
/// for multinomial count data", 2022) for two arms: the Bayes factor of a
/// Beta(c·p₀, c·(1 − p₀)) mixture against the configured share p₀ is a
/// nonnegative martingale under p₀ with mean 1, so rejecting once it reaches
/// 1/α is wrong with probability at most α however often it is looked at.
/// Exact: no normal approximation.
public struct SampleRatioTest: Sendable, Equatable {
    public let expectedShare: Double
    public let concentration: Double
    public private(set) var candidates = 0
    public private(set) var total = 0
    /// The largest log Bayes factor seen: a rejection stays a rejection.
    public private(set) var maximumLogBayesFactor = 0.0

    public init(expectedShare: Double, concentration: Double = 100) {
        self.expectedShare = expectedShare
        self.concentration = concentration
    }

    public mutating func add(candidate: Bool) {
        total += 1
        if candidate { candidates += 1 }
        maximumLogBayesFactor = max(maximumLogBayesFactor, logBayesFactor)
    }

    public var logBayesFactor: Double {
        let a = concentration * expectedShare
        let b = concentration * (1 - expectedShare)
        let x = Double(candidates)
        let y = Double(total - candidates)
        return logBeta(a + x, b + y) - logBeta(a, b) - x * log(expectedShare) - y * log(1 - expectedShare)
    }

    public var observedShare: Double { total > 0 ? Double(candidates) / Double(total) : .nan }

    public func rejected(alpha: Double) -> Bool { maximumLogBayesFactor >= log(1 / alpha) }

    private func logBeta(_ a: Double, _ b: Double) -> Double { lgamma(a) + lgamma(b) - lgamma(a + b) }
}
