import InfermonCore

/// The two-sample Kolmogorov–Smirnov test, two-sided, on pre-sorted samples.
///
/// p-values follow scipy's `ks_2samp`: exact when both samples have at most
/// 10,000 values (Hodges' lattice-path count; for unequal sizes in the
/// numerically stable form of Viehmann 2021), otherwise the finite-n Kolmogorov
/// distribution at n = round(n1·n2/(n1+n2)).
public enum KolmogorovSmirnov {
    public enum Method: String, Sendable, CaseIterable {
        case auto, exact, asymptotic
    }

    public struct Result: Sendable, Equatable {
        /// sup |F1 − F2|.
        public var statistic: Double
        public var pValue: Double
        /// The method that produced `pValue` (never `.auto`).
        public var method: Method
    }

    /// Largest sample size for which `.auto` counts paths exactly, as scipy.
    public static let exactLimit = 10_000

    /// `maxGap` is `TwoSampleScan.compare(...).maxGap` when the caller already has it.
    public static func test(
        _ first: SortedSample, _ second: SortedSample, method: Method = .auto, maxGap: Int? = nil
    ) -> Result {
        let n1 = first.count
        let n2 = second.count
        guard n1 > 0, n2 > 0 else { return Result(statistic: .nan, pValue: .nan, method: .asymptotic) }
        let numerator = maxGap ?? TwoSampleScan.maxECDFGap(first.values, second.values)
        let statistic = Double(numerator) / (Double(n1) * Double(n2))
        var chosen = method
        if chosen == .auto { chosen = max(n1, n2) <= exactLimit ? .exact : .asymptotic }
        if chosen == .exact {
            let g = gcd(n1, n2)
            if let p = exactPValue(n1: n1, n2: n2, gcd: g, h: numerator / g) {
                return Result(statistic: statistic, pValue: p, method: .exact)
            }
        }
        return Result(
            statistic: statistic, pValue: asymptoticPValue(n1: n1, n2: n2, statistic: statistic), method: .asymptotic)
    }

    /// P(D ≥ d) from the finite-n one-sample distribution at the effective size.
    public static func asymptoticPValue(n1: Int, n2: Int, statistic: Double) -> Double {
        let larger = Double(max(n1, n2))
        let smaller = Double(min(n1, n2))
        let effective = (larger * smaller / (larger + smaller)).rounded(.toNearestOrEven)
        return KolmogorovDistribution.survival(n: Int(effective), x: statistic)
    }

    /// Exact P(D ≥ h/lcm(n1, n2)), or nil when it cannot be trusted (then the caller falls back).
    static func exactPValue(n1: Int, n2: Int, gcd g: Int, h: Int) -> Double? {
        if h == 0 { return 1 }
        let p = n1 == n2 ? outsideSquare(n: n1, h: h) : outsideBand(m: n1, n: n2, g: g, h: h)
        guard p >= 0, p <= 1 else { return nil }
        return p
    }

    /// Equal sizes: the share of the C(2n, n) paths that touch x − y = ±h, by the
    /// reflection-principle alternating sum evaluated Horner-style, which avoids
    /// the cancellation of summing the binomials directly.
    static func outsideSquare(n: Int, h: Int) -> Double {
        var p = 0.0
        var k = n / h
        while k >= 0 {
            var ratio = 1.0
            for j in 0..<h {
                ratio = Double(n - k * h - j) * ratio / Double(n + k * h + j + 1)
            }
            p = ratio * (1 - p)
            k -= 1
        }
        return 2 * p
    }

    /// Unequal sizes: walks the lattice column by column keeping, for each point
    /// inside the band |x/m − y/n| < h/lcm, the probability that a random path to
    /// it has already left the band. Only the band's window of the column is kept.
    static func outsideBand(m first: Int, n second: Int, g: Int, h: Int) -> Double {
        let m = max(first, second)
        let n = min(first, second)
        let mg = m / g
        let ng = n / g
        var minJ = 0
        var maxJ = min(ceilDivide(h, mg), n + 1)
        var currentLength = maxJ - minJ
        let capacity = min(2 * maxJ + 2, n + 1)
        var column = [Double](repeating: 1, count: max(capacity, n + 1))
        for j in minJ..<maxJ { column[j] = 0 }
        return column.withUnsafeMutableBufferPointer { a -> Double in
            for i in 1...m {
                let lastMinJ = minJ
                let lastLength = currentLength
                minJ = min(max(floorDivide(ng * i - h, mg) + 1, 0), n)
                maxJ = min(ceilDivide(ng * i + h, mg), n + 1)
                if maxJ <= minJ { return 1 }
                var value = minJ == 0 ? 0.0 : 1.0
                let di = Double(i)
                for jj in 0..<(maxJ - minJ) {
                    let j = Double(jj + minJ)
                    value = (a[jj + minJ - lastMinJ] * di + value * j) / (di + j)
                    a[jj] = value
                }
                currentLength = maxJ - minJ
                if lastLength > currentLength {
                    for index in currentLength..<lastLength { a[index] = 1 }
                }
            }
            return a[maxJ - minJ - 1]
        }
    }

    @inline(__always)
    static func ceilDivide(_ a: Int, _ b: Int) -> Int { -floorDivide(-a, b) }

    static func gcd(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }
}
