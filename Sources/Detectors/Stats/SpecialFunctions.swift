import InfermonCore

#if canImport(Glibc)
    import Glibc
#endif

/// The few special functions the tests' p-values need, accurate to about 1e-14
/// relative over the ranges drift tests reach.
public enum SpecialFunctions {
    /// Survival function of the chi-square distribution with `degrees` degrees of freedom.
    public static func chiSquareSurvival(_ statistic: Double, degrees: Double) -> Double {
        guard degrees > 0 else { return .nan }
        if statistic.isNaN { return .nan }
        if statistic <= 0 { return 1 }
        if statistic.isInfinite { return 0 }
        return regularizedGammaQ(degrees / 2, statistic / 2)
    }

    /// Upper regularized incomplete gamma Q(a, x) = Γ(a, x) / Γ(a).
    public static func regularizedGammaQ(_ a: Double, _ x: Double) -> Double {
        if x <= 0 { return 1 }
        if x < a + 1 { return 1 - lowerSeries(a, x) }
        return upperContinuedFraction(a, x)
    }

    /// log(x^a e^-x / Γ(a)), the prefactor both expansions share.
    private static func logPrefactor(_ a: Double, _ x: Double) -> Double {
        a * log(x) - x - lgamma(a)
    }

    /// P(a, x) by its power series; converges fast for x < a + 1.
    private static func lowerSeries(_ a: Double, _ x: Double) -> Double {
        var term = 1 / a
        var sum = term
        var denominator = a
        for _ in 0..<100_000 {
            denominator += 1
            term *= x / denominator
            sum += term
            if abs(term) < abs(sum) * 1e-17 { break }
        }
        return sum * exp(logPrefactor(a, x))
    }

    /// Q(a, x) by Legendre's continued fraction (modified Lentz); for x ≥ a + 1.
    private static func upperContinuedFraction(_ a: Double, _ x: Double) -> Double {
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        var i = 1.0
        while i < 100_000 {
            let an = -i * (i - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
            i += 1
        }
        return exp(logPrefactor(a, x)) * h
    }

    /// Upper tail of the standard normal, P(Z > z).
    public static func normalSurvival(_ z: Double) -> Double { 0.5 * erfc(z / 2.0.squareRoot()) }

    /// The standard normal quantile; one implementation for every stage, in InfermonCore.
    public static func normalQuantile(_ p: Double) -> Double { NormalDistribution.quantile(p) }

    /// Cumulative distribution of Student's t with `degrees` degrees of freedom,
    /// through the regularized incomplete beta function.
    public static func studentTCDF(_ t: Double, degrees: Double) -> Double {
        guard degrees > 0, !t.isNaN else { return .nan }
        if t.isInfinite { return t > 0 ? 1 : 0 }
        let tail = 0.5 * regularizedBeta(degrees / (degrees + t * t), degrees / 2, 0.5)
        return t > 0 ? 1 - tail : tail
    }

    /// I_x(a, b), the regularized incomplete beta function, by its continued
    /// fraction (modified Lentz) on whichever side converges fast.
    public static func regularizedBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(1 - x)
        if x < (a + 1) / (a + b + 2) { return exp(logFront) * betaContinuedFraction(x, a, b) / a }
        return 1 - exp(logFront) * betaContinuedFraction(1 - x, b, a) / b
    }

    private static func betaContinuedFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1..<10_000 {
            let m = Double(m)
            let even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + even * d
            if abs(d) < tiny { d = tiny }
            c = 1 + even / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            let odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + odd * d
            if abs(d) < tiny { d = tiny }
            c = 1 + odd / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return h
    }
}
