#if canImport(Glibc)
    import Glibc
#endif

/// Exact algorithms for P(D_n ≤ x) at small n·x: Durbin's matrix method in the
/// Marsaglia–Tsang–Wang form, and Pomeranz's recursion. Both carry a separate
/// binary exponent, because their intermediate values leave double's range.
enum KolmogorovMatrix {
    private static let scaleUp = 0x1p128
    private static let scaleDown = 0x1p-128

    /// Durbin (1968) / Marsaglia, Tsang & Wang (2003): the (k,k) entry of H^n · n!/n^n
    /// where x = (k − h)/n. Costs O(m³ log n) for m = 2k − 1; used only while m is small.
    static func durbinCDF(n: Int, x: Double) -> Double {
        if x >= 1 { return 1 }
        let nx = Double(n) * x
        if nx <= 0.5 { return 0 }
        let k = Int(nx.rounded(.up))
        let h = Double(k) - nx
        let m = 2 * k - 1
        var first = [Double](repeating: 0, count: m)  // first column, and last row reversed
        var inverseFactorials = [Double](repeating: 0, count: m)
        var factorial = 1.0
        for j in 1...m {
            inverseFactorials[j - 1] = factorial
            factorial /= Double(j)
            first[j - 1] = (1 - pow(h, Double(j))) * factorial
        }
        let corner = pow(max(2 * h - 1, 0), Double(m)) - 2 * pow(h, Double(m))
        first[m - 1] = (1 + corner) * factorial
        var matrix = [Double](repeating: 0, count: m * m)
        for column in 1..<m {
            for row in (column - 1)..<m { matrix[row * m + column] = inverseFactorials[row - column + 1] }
        }
        for row in 0..<m { matrix[row * m] = first[row] }
        for column in 0..<m { matrix[(m - 1) * m + column] = first[m - 1 - column] }

        var power = [Double](repeating: 0, count: m * m)
        for i in 0..<m { power[i * m + i] = 1 }
        var scratch = [Double](repeating: 0, count: m * m)
        var exponent = 0
        var matrixExponent = 0
        var remaining = n
        let centre = (k - 1) * m + (k - 1)
        while remaining > 0 {
            if remaining % 2 == 1 {
                multiply(power, matrix, into: &scratch, size: m)
                swap(&power, &scratch)
                exponent += matrixExponent
            }
            multiply(matrix, matrix, into: &scratch, size: m)
            swap(&matrix, &scratch)
            matrixExponent *= 2
            if abs(matrix[centre]) > scaleUp {
                for i in 0..<(m * m) { matrix[i] *= scaleDown }
                matrixExponent += 128
            }
            remaining /= 2
        }
        var p = power[centre]
        let size = Double(n)
        for i in 1...n {
            p = Double(i) * p / size
            if abs(p) < scaleDown {
                p *= scaleUp
                exponent -= 128
            }
        }
        if exponent != 0 { p = scalbn(p, Int32(exponent)) }
        return min(max(p, 0), 1)
    }

    private static func multiply(_ a: [Double], _ b: [Double], into c: inout [Double], size m: Int) {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    for i in 0..<m {
                        for j in 0..<m { c[i * m + j] = 0 }
                        for l in 0..<m {
                            let factor = a[i * m + l]
                            if factor == 0 { continue }
                            for j in 0..<m { c[i * m + j] += factor * b[l * m + j] }
                        }
                    }
                }
            }
        }
    }

    /// Pomeranz (1974): a banded recursion over the 2n + 2 breakpoints of the
    /// uniform order statistics' constraints; O(n · (n·x)²).
    static func pomeranzCDF(n: Int, x: Double) -> Double {
        let size = Double(n)
        let t = size * x
        let whole = Int(t.rounded(.down))
        let fraction = t - Double(whole)
        let g = min(fraction, 1 - fraction)
        let ceilFraction = fraction > 0 ? 1 : 0
        let roundFraction = fraction > 0.5 ? 1 : 0
        let width = 2 * (whole + 1)
        var gPowers = [Double](repeating: 1, count: width)
        var twoGPowers = [Double](repeating: 1, count: width)
        var oneMinusTwoGPowers = [Double](repeating: 1, count: width)
        for m in 1..<width {
            gPowers[m] = gPowers[m - 1] * (g / size) / Double(m)
            twoGPowers[m] = twoGPowers[m - 1] * (2 * g / size) / Double(m)
            oneMinusTwoGPowers[m] = oneMinusTwoGPowers[m - 1] * ((1 - 2 * g) / size) / Double(m)
        }
        var previous = [Double](repeating: 0, count: width)
        var current = [Double](repeating: 0, count: width)
        current[0] = 1
        var previousStart = 0
        var currentStart = 0
        var exponent = 0
        var (j1, _) = bounds(row: 0, n: n, whole: whole, ceilFraction: ceilFraction, roundFraction: roundFraction)
        for row in 1..<(2 * n + 2) {
            let k1 = j1
            swap(&previous, &current)
            swap(&previousStart, &currentStart)
            for i in 0..<width { current[i] = 0 }
            let rowBounds = bounds(
                row: row, n: n, whole: whole, ceilFraction: ceilFraction, roundFraction: roundFraction)
            j1 = rowBounds.0
            let j2 = rowBounds.1
            let powers = (row == 1 || row == 2 * n + 1) ? gPowers : (row % 2 == 1 ? twoGPowers : oneMinusTwoGPowers)
            let span = j2 - k1 + 1
            guard span > 0 else { continue }
            let sliceStart = k1 - previousStart
            let sliceLength = min(span, width - sliceStart)
            let powersLength = min(span, width)
            let outputStart = j1 - k1
            let outputLength = j2 - j1 + 1
            var largest = 0.0
            for out in 0..<outputLength {
                let position = outputStart + out
                var sum = 0.0
                let lower = max(0, position - powersLength + 1)
                let upper = min(position, sliceLength - 1)
                if lower <= upper {
                    for i in lower...upper { sum += previous[sliceStart + i] * powers[position - i] }
                }
                current[out] = sum
                largest = max(largest, sum)
            }
            if largest > 0 && largest < scaleDown {
                for i in 0..<width { current[i] *= scaleUp }
                exponent -= 128
            }
            currentStart = previousStart + j1 - k1
        }
        var answer = current[n - currentStart]
        for m in 1...n {
            if abs(answer) > scaleUp {
                answer *= scaleDown
                exponent += 128
            }
            answer *= Double(m)
        }
        if exponent != 0 { answer = scalbn(answer, Int32(exponent)) }
        return min(max(answer, 0), 1)
    }

    /// The band of row `row` of Pomeranz's recursion, clipped to 0…n.
    private static func bounds(row: Int, n: Int, whole: Int, ceilFraction: Int, roundFraction: Int) -> (Int, Int) {
        var j1: Int
        var j2: Int
        if row == 0 {
            j1 = -whole - ceilFraction - 1
            j2 = whole + ceilFraction - 1
        } else {
            let half = (row + 1) / 2
            if (row + 1) % 2 == 0 {
                if half == n + 1 {
                    j1 = n - whole - ceilFraction - 1
                    j2 = n + whole + ceilFraction - 1
                } else {
                    j1 = half - 1 - whole - roundFraction - 1
                    j2 = half + whole - 1 + ceilFraction - 1
                }
            } else {
                j1 = half - 1 - whole - 1
                j2 = half + whole + roundFraction - 1
            }
        }
        return (max(j1 + 2, 0), min(j2, n))
    }
}
