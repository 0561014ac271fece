#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Neumaier's compensated sum, which Prometheus uses so that sums of many
/// small increments do not drift.
struct KahanSum {
    private var sum = 0.0
    private var compensation = 0.0

    @inline(__always)
    mutating func add(_ value: Double) {
        let total = sum + value
        if abs(sum) >= abs(value) {
            compensation += (sum - total) + value
        } else {
            compensation += (value - total) + sum
        }
        sum = total
    }

    /// Infinite sums stay infinite: the compensation would turn them into NaN.
    var value: Double { sum.isInfinite ? sum : sum + compensation }
}

func kahanSum<S: Sequence>(_ values: S) -> Double where S.Element == Double {
    var sum = KahanSum()
    for value in values { sum.add(value) }
    return sum.value
}

/// The mean, summed directly for accuracy, falling back to an incremental mean
/// when the running sum overflows although the values are finite.
func average<S: Sequence>(_ values: S) -> Double where S.Element == Double {
    var sum = KahanSum()
    var count = 0.0
    for value in values {
        sum.add(value)
        count += 1
    }
    let total = sum.value
    if !total.isInfinite { return total / count }
    var mean = 0.0
    var seen = 0.0
    for value in values {
        seen += 1
        if mean.isInfinite {
            if value.isInfinite && (mean > 0) == (value > 0) { continue }
            if !value.isInfinite && !value.isNaN { continue }
        }
        mean += value / seen - mean / seen
    }
    return mean
}

/// Population variance with Welford's online algorithm.
func variance<S: Sequence>(_ values: S) -> Double where S.Element == Double {
    var count = 0.0
    var mean = KahanSum()
    var aux = KahanSum()
    for value in values {
        count += 1
        let delta = value - mean.value
        mean.add(delta / count)
        aux.add(delta * (value - mean.value))
    }
    return aux.value / count
}

/// Prometheus's quantile: linear interpolation between the closest ranks;
/// φ < 0 gives -Inf, φ > 1 gives +Inf. Sorts `values` in place.
func quantile(_ q: Double, _ values: inout [Double]) -> Double {
    if values.isEmpty || q.isNaN { return .nan }
    if q < 0 { return -.infinity }
    if q > 1 { return .infinity }
    values.sort { nanFirstLess($0, $1) }
    let n = Double(values.count)
    let rank = q * (n - 1)
    let lower = max(0, rank.rounded(.down))
    let upper = min(n - 1, lower + 1)
    let weight = rank - rank.rounded(.down)
    return values[Int(lower)] * (1 - weight) + values[Int(upper)] * weight
}

/// Ascending order in which NaN sorts before every number, as Prometheus's heaps order them.
@inline(__always)
func nanFirstLess(_ a: Double, _ b: Double) -> Bool {
    if a.isNaN { return !b.isNaN }
    if b.isNaN { return false }
    return a < b
}

/// Go's `math.Max`, which clamp relies on: +Inf beats everything, even NaN; otherwise NaN propagates.
func goMax(_ a: Double, _ b: Double) -> Double {
    if a.isInfinite && a > 0 || b.isInfinite && b > 0 { return .infinity }
    if a.isNaN || b.isNaN { return .nan }
    if a == 0 && b == 0 { return a.sign == .minus ? b : a }
    return a > b ? a : b
}

/// Go's `math.Min`: -Inf beats everything, even NaN; otherwise NaN propagates.
func goMin(_ a: Double, _ b: Double) -> Double {
    if a.isInfinite && a < 0 || b.isInfinite && b < 0 { return -.infinity }
    if a.isNaN || b.isNaN { return .nan }
    if a == 0 && b == 0 { return a.sign == .minus ? a : b }
    return a < b ? a : b
}
