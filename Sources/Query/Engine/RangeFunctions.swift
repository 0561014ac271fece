import InfermonCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Functions of range vectors. Each series' window slides forward step by step
/// over the samples read once, so a 24-hour range query costs one pass per series.
extension Evaluation {
    /// Calls `body(window, step, windowEnd)` for every non-empty window and gathers
    /// the results. The metric name is dropped unless `keepName`.
    func overTime(
        _ data: RangeData, _ grid: Grid, keepName: Bool = false,
        _ body: (ArraySlice<Sample>, Int, Timestamp) throws -> Double?
    ) throws -> [StepSeries] {
        var collector = SeriesCollector(count: grid.count)
        var direct: [StepSeries] = []
        for series in data.series {
            try checkDeadline()
            let samples = series.samples
            var result = StepSeries(labels: keepName ? series.labels : series.labels.withoutName, count: grid.count)
            var any = false
            var low = 0
            var high = 0
            for step in 0..<grid.count {
                let maxT = grid.time(step) - data.offset
                let minT = maxT - data.range
                while high < samples.count && samples[high].timestamp <= maxT { high += 1 }
                while low < high && samples[low].timestamp < minT { low += 1 }
                guard low < high, let value = try body(samples[low..<high], step, maxT) else { continue }
                result.values[step] = value
                result.present[step] = true
                any = true
            }
            guard any else { continue }
            if keepName { direct.append(result) } else { try collector.add(result) }
        }
        return keepName ? direct : collector.series
    }

    func evaluateRangeFunction(_ name: String, _ data: RangeData, _ grid: Grid, parameter: [Double]?) throws
        -> [StepSeries]?
    {
        let rangeSeconds = Double(data.range) / 1000
        switch name {
        case "rate", "increase", "delta":
            let isCounter = name != "delta"
            let isRate = name == "rate"
            return try overTime(data, grid) { window, _, end in
                extrapolatedRate(
                    window, rangeStart: end - data.range, rangeEnd: end, isCounter: isCounter, isRate: isRate,
                    rangeSeconds: rangeSeconds)
            }
        case "irate", "idelta":
            let isRate = name == "irate"
            return try overTime(data, grid) { window, _, _ in instantRate(window, isRate: isRate) }
        case "deriv":
            return try overTime(data, grid) { window, _, _ in
                window.count < 2 ? nil : linearRegression(window, interceptTime: window.first!.timestamp).slope
            }
        case "predict_linear":
            return try overTime(data, grid) { window, step, _ in
                guard window.count >= 2 else { return nil }
                let (slope, intercept) = linearRegression(window, interceptTime: grid.time(step))
                return slope * parameter![step] + intercept
            }
        case "sum_over_time":
            return try overTime(data, grid) { window, _, _ in kahanSum(window.lazy.map(\.value)) }
        case "avg_over_time":
            return try overTime(data, grid) { window, _, _ in average(window.lazy.map(\.value)) }
        case "count_over_time":
            return try overTime(data, grid) { window, _, _ in Double(window.count) }
        case "min_over_time":
            return try overTime(data, grid) { window, _, _ in
                window.dropFirst().reduce(window.first!.value) { $1.value < $0 || $0.isNaN ? $1.value : $0 }
            }
        case "max_over_time":
            return try overTime(data, grid) { window, _, _ in
                window.dropFirst().reduce(window.first!.value) { $1.value > $0 || $0.isNaN ? $1.value : $0 }
            }
        case "last_over_time":
            return try overTime(data, grid, keepName: true) { window, _, _ in window.last!.value }
        case "present_over_time":
            return try overTime(data, grid) { _, _, _ in 1 }
        case "stddev_over_time":
            return try overTime(data, grid) { window, _, _ in variance(window.lazy.map(\.value)).squareRoot() }
        case "stdvar_over_time":
            return try overTime(data, grid) { window, _, _ in variance(window.lazy.map(\.value)) }
        case "quantile_over_time":
            var scratch: [Double] = []
            return try overTime(data, grid) { window, step, _ in
                scratch.removeAll(keepingCapacity: true)
                scratch.append(contentsOf: window.lazy.map(\.value))
                return quantile(parameter![step], &scratch)
            }
        case "changes":
            return try overTime(data, grid) { window, _, _ in
                var changes = 0.0
                var previous = window.first!.value
                for sample in window.dropFirst() {
                    let current = sample.value
                    if current != previous && !(current.isNaN && previous.isNaN) { changes += 1 }
                    previous = current
                }
                return changes
            }
        case "resets":
            return try overTime(data, grid) { window, _, _ in
                var resets = 0.0
                var previous = window.first!.value
                for sample in window.dropFirst() {
                    if sample.value < previous { resets += 1 }
                    previous = sample.value
                }
                return resets
            }
        case "absent_over_time":
            return try absentOverTime(data, grid)
        default:
            return nil
        }
    }

    /// 1 at each step where no series has a sample in its window, labelled from the
    /// selector's equality matchers as `absent()` is.
    private func absentOverTime(_ data: RangeData, _ grid: Grid) throws -> [StepSeries] {
        let present = try overTime(data, grid, keepName: true) { _, _, _ in 1 }
        var result = StepSeries(labels: absentLabels(data.matchers ?? []), count: grid.count)
        for step in 0..<grid.count where !present.contains(where: { $0.present[step] }) {
            result.values[step] = 1
            result.present[step] = true
        }
        return result.isEmpty ? [] : [result]
    }
}

/// Prometheus's `extrapolatedRate` (2.x): the increase over the samples in the
/// window, corrected for counter resets, extrapolated towards the window edges
/// when the first/last sample lies within 110% of the average sample spacing of
/// them (else by half a spacing), and never extrapolated below a counter's zero.
func extrapolatedRate(
    _ window: ArraySlice<Sample>, rangeStart: Timestamp, rangeEnd: Timestamp, isCounter: Bool, isRate: Bool,
    rangeSeconds: Double
) -> Double? {
    guard window.count >= 2, let first = window.first, let last = window.last else { return nil }
    var result = last.value - first.value
    if isCounter {
        var previous = first.value
        for sample in window.dropFirst() {
            if sample.value < previous { result += previous }
            previous = sample.value
        }
    }
    var durationToStart = Double(first.timestamp - rangeStart) / 1000
    let durationToEnd = Double(rangeEnd - last.timestamp) / 1000
    let sampledInterval = Double(last.timestamp - first.timestamp) / 1000
    let averageSpacing = sampledInterval / Double(window.count - 1)
    if isCounter && result > 0 && first.value >= 0 {
        let durationToZero = sampledInterval * (first.value / result)
        if durationToZero < durationToStart { durationToStart = durationToZero }
    }
    let threshold = averageSpacing * 1.1
    var extrapolateTo = sampledInterval
    extrapolateTo += durationToStart < threshold ? durationToStart : averageSpacing / 2
    extrapolateTo += durationToEnd < threshold ? durationToEnd : averageSpacing / 2
    var factor = extrapolateTo / sampledInterval
    if isRate { factor /= rangeSeconds }
    return result * factor
}

/// `irate`/`idelta`: from the last two samples only.
func instantRate(_ window: ArraySlice<Sample>, isRate: Bool) -> Double? {
    guard window.count >= 2 else { return nil }
    let last = window[window.endIndex - 1]
    let previous = window[window.endIndex - 2]
    var result = isRate && last.value < previous.value ? last.value : last.value - previous.value
    let interval = last.timestamp - previous.timestamp
    guard interval != 0 else { return nil }
    if isRate { result /= Double(interval) / 1000 }
    return result
}

/// Least-squares fit of value over time (seconds relative to `interceptTime`).
func linearRegression(_ samples: ArraySlice<Sample>, interceptTime: Timestamp) -> (slope: Double, intercept: Double) {
    var n = 0.0
    var sumX = KahanSum()
    var sumY = KahanSum()
    var sumXY = KahanSum()
    var sumX2 = KahanSum()
    let initialY = samples.first!.value
    var constantY = true
    for sample in samples {
        if constantY && sample.value != initialY { constantY = false }
        n += 1
        let x = Double(sample.timestamp - interceptTime) / 1000
        sumX.add(x)
        sumY.add(sample.value)
        sumXY.add(x * sample.value)
        sumX2.add(x * x)
    }
    if constantY {
        return initialY.isInfinite ? (.nan, .nan) : (0, initialY)
    }
    let x = sumX.value
    let y = sumY.value
    let covXY = sumXY.value - x * y / n
    let varX = sumX2.value - x * x / n
    let slope = covXY / varX
    return (slope, y / n - slope * x / n)
}
