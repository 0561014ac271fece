#if canImport(Glibc)
    import Glibc
#endif

/// The distribution of the two-sided one-sample Kolmogorov–Smirnov statistic D_n
/// for finite n, which the two-sample test uses with n = round(n1·n2/(n1+n2))
/// once samples are too large for an exact count (as scipy's `ks_2samp` does).
///
/// The method follows Simard & L'Ecuyer (2011): Ruben–Gambino closed forms at the
/// ends of the support, Durbin's matrix (Marsaglia–Tsang–Wang) and Pomeranz's
/// recursion for small n, the exact one-sided Smirnov sum (doubled) for the upper
/// tail, and the Pelz–Good expansion in between. Choosing the same method in the
/// same region is what makes p-values agree with scipy to far better than 1e-6.
public enum KolmogorovDistribution {
    /// P(D_n ≥ x).
    public static func survival(n: Int, x: Double) -> Double {
        guard n > 0, !x.isNaN else { return .nan }
        if x >= 1 { return 0 }
        let size = Double(n)
        let t = size * x
        if t <= 0.5 { return 1 }
        if t <= 1 {
            // Ruben–Gambino: P(D_n ≤ x) = n!/n^n (2t − 1)^n for 1/2n ≤ x ≤ 1/n.
            let cdf: Double
            if n <= 140 {
                var product = 1.0
                for i in 1...n { product *= Double(i) / size * (2 * t - 1) }
                cdf = product
            } else {
                cdf = exp(logFactorialOverPower(n) + size * log(2 * t - 1))
            }
            return clip(1 - cdf)
        }
        if t >= size - 1 { return clip(2 * pow(1 - x, size)) }
        if x >= 0.5 { return clip(2 * SmirnovDistribution.survival(n: n, x: x)) }
        let nxSquared = t * x
        if n <= 140 {
            if nxSquared <= 0.754693 { return clip(1 - KolmogorovMatrix.durbinCDF(n: n, x: x)) }
            if nxSquared <= 4 { return clip(1 - KolmogorovMatrix.pomeranzCDF(n: n, x: x)) }
            return clip(2 * SmirnovDistribution.survival(n: n, x: x))
        }
        if nxSquared >= 370 { return 0 }
        if nxSquared >= 2.2 { return clip(2 * SmirnovDistribution.survival(n: n, x: x)) }
        let cdf: Double
        if nxSquared >= 18 {
            cdf = 1
        } else if n <= 100_000 && size * pow(x, 1.5) <= 1.4 {
            cdf = KolmogorovMatrix.durbinCDF(n: n, x: x)
        } else {
            cdf = pelzGoodCDF(n: n, x: x)
        }
        return clip(1 - cdf)
    }

    /// The limiting (n → ∞) survival function, Kolmogorov's K(x√n); only for documentation and sanity checks.
    public static func limitingSurvival(_ y: Double) -> Double {
        if y <= 0 { return 1 }
        var sum = 0.0
        var sign = 1.0
        for k in 1...200 {
            let term = exp(-2 * Double(k * k) * y * y)
            sum += sign * term
            if term < 1e-18 { break }
            sign = -sign
        }
        return clip(2 * sum)
    }

    /// log(n!/n^n) by Stirling's series, with n·log n cancelled analytically.
    static func logFactorialOverPower(_ n: Int) -> Double {
        let size = Double(n)
        let r = 1 / size
        let r2 = r * r
        // Bernoulli terms B_2j / (2j(2j−1)) / n^(2j−1), j = 1…4.
        let series = r * (1.0 / 12 + r2 * (-1.0 / 360 + r2 * (1.0 / 1260 + r2 * (-1.0 / 1680))))
        return log(size) / 2 - size + log(2 * Double.pi) / 2 + series
    }

    /// Pelz–Good asymptotic expansion of P(D_n ≤ x) with terms up to n^(−3/2).
    static func pelzGoodCDF(n: Int, x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let size = Double(n)
        let z = size.squareRoot() * x
        let z2 = z * z
        let z3 = z2 * z
        let z4 = z2 * z2
        let z6 = z4 * z2
        let piSquared = Double.pi * Double.pi
        let piFour = piSquared * piSquared
        let piSix = piFour * piSquared
        let sqrtTwoPi = (2 * Double.pi).squareRoot()
        let qLog = -piSquared / 8 / z2
        if qLog < -708 { return 0 }
        let q = exp(qLog)
        let k1a = -z2
        let k1b = piSquared / 4
        let k2a = 6 * z6 + 2 * z4
        let k2b = (2 * z4 - 5 * z2) * piSquared / 4
        let k2c = piFour * (1 - 2 * z2) / 16
        let k3d = piSix * (5 - 30 * z2) / 64
        let k3c = piFour * (-60 * z2 + 212 * z4) / 16
        let k3b = piSquared * (135 * z4 - 96 * z6) / 4
        let k3a = -30 * z6 - 90 * z4 * z4
        var terms = (0.0, 0.0, 0.0, 0.0)
        let maxK = Int((16 * z / Double.pi).rounded(.up))
        var k = maxK
        while k >= 1 {
            let m = Double(2 * k - 1)
            let m2 = m * m
            let m4 = m2 * m2
            let m6 = m4 * m2
            let power = pow(q, Double(8 * k))
            terms.0 = terms.0 * power + 1
            terms.1 = terms.1 * power + (k1a + k1b * m2)
            terms.2 = terms.2 * power + (k2a + k2b * m2 + k2c * m4)
            terms.3 = terms.3 * power + (k3a + k3b * m2 + k3c * m4 + k3d * m6)
            k -= 1
        }
        let scale = q * sqrtTwoPi
        terms.0 *= scale / z
        terms.1 *= scale / (6 * z4)
        terms.2 *= scale / (72 * z6 * z)
        terms.3 *= scale / (6480 * z6 * z4)
        let q2 = exp(-piSquared / 2 / z2)
        var extra2 = 0.0
        var extra3 = 0.0
        let sqrt3z = 3.0.squareRoot() * z
        k = maxK
        while k >= 1 {
            let kk = Double(k * k)
            let power = pow(q2, kk)
            let kPi = Double.pi * Double(k)
            extra2 += kk * power
            extra3 += (sqrt3z + kPi) * (sqrt3z - kPi) * kk * power
            k -= 1
        }
        terms.2 += extra2 * piSquared * sqrtTwoPi / (-36 * z3)
        terms.3 += extra3 * piSquared * sqrtTwoPi / (216 * z6)
        return terms.0 + terms.1 / size.squareRoot() + terms.2 / size + terms.3 / (size * size.squareRoot())
    }

    @inline(__always)
    static func clip(_ p: Double) -> Double { p.isNaN ? p : min(max(p, 0), 1) }
}
