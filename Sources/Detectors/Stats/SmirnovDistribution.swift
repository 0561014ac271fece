#if canImport(Glibc)
    import Glibc
#endif

/// The one-sided Kolmogorov–Smirnov statistic D_n⁺: P(D_n⁺ ≥ x) by the exact
/// Smirnov / Birnbaum–Tingey sum
///
///     x · Σ_{v=0}^{⌊n(1−x)⌋} C(n, v) (x + v/n)^(v−1) (1 − x − v/n)^(n−v),
///
/// evaluated term by term in logarithms with a running rescale, so neither the
/// binomials nor the powers overflow. Twice this is the two-sided upper tail that
/// the Kolmogorov distribution uses where the two one-sided events cannot overlap.
public enum SmirnovDistribution {
    public static func survival(n: Int, x: Double) -> Double {
        guard n > 0, x >= 0, x <= 1 else { return .nan }
        if n == 1 { return 1 - x }
        if x == 0 { return 1 }
        if x == 1 { return 0 }
        let size = Double(n)
        // floor(n·x) and its remainder, exactly: n·x is rounded, the fma recovers what rounding lost.
        let product = size * x
        let lost = fma(size, x, -product)
        var floorNX = product.rounded(.down)
        var alpha = (product - floorNX) + lost
        if alpha < 0 {
            floorNX -= 1
            alpha += 1
        } else if alpha >= 1 {
            floorNX += 1
            alpha -= 1
        }
        let nxFloor = Int(floorNX)
        if nxFloor == 0 || (nxFloor == 1 && alpha == 0) {
            return 1 - x * pow(1 + x, size - 1)
        }
        if -2 * size * x * x < -708.3964185322641 { return 0 }
        if nxFloor >= n - 1 { return pow(1 - x, size) }
        if n > 1_000_000 {
            let logP = -pow(6 * size * x + 1, 2) / 18 / size
            return logP < -log(2.0) ? exp(logP) : 1 + expm1(logP)
        }
        // Terms v = 0 … last; when n·x is an integer the v = n(1−x) term is zero and left out.
        let last = n - nxFloor - 1
        // v = 0 contributes x · x^(−1) (1 − x)^n = (1 − x)^n; keep the others relative to a running scale.
        var scaleLog = size * log1p(-x)
        var sum = 1.0
        var logBinomial = 0.0
        var previousLog = scaleLog
        var v = 1
        while v <= last {
            logBinomial += log(Double(n - v + 1) / Double(v))
            let above = (Double(nxFloor + v) + alpha) / size  // x + v/n
            let below = (Double(n - nxFloor - v) - alpha) / size  // 1 − x − v/n
            let termLog = logBinomial + Double(v - 1) * log(above) + Double(n - v) * log(below) + log(x)
            if termLog > scaleLog {
                sum = sum * exp(scaleLog - termLog) + 1
                scaleLog = termLog
            } else {
                let relative = exp(termLog - scaleLog)
                sum += relative
                // The terms are unimodal in v: once falling and negligible, the rest are too.
                if termLog < previousLog && relative < 1e-20 { break }
            }
            previousLog = termLog
            v += 1
        }
        return min(max(exp(scaleLog + log(sum)), 0), 1)
    }
}
