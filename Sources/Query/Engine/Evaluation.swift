import InfermonCore

/// The state of one query's evaluation: where data comes from, the limits, and
/// the selections already read (a selector written twice is read once).
final class Evaluation {
    let options: QueryOptions
    let querier: any SeriesQuerier
    let sketches: (any SketchQuerier)?
    let limits: QueryLimits
    private let deadline: Timestamp?
    private var loadedSamples = 0
    private var checks = 0

    private struct SelectionKey: Hashable {
        var matchers: [LabelMatcher]
        var from: Timestamp
        var through: Timestamp
    }
    private var selections: [SelectionKey: [Series]] = [:]
    /// Inner steps a subquery may have when the caller set no sample limit
    /// (Prometheus's default `query.max-samples`).
    static let defaultMaxSubquerySteps = 50_000_000

    init(options: QueryOptions, querier: any SeriesQuerier, sketches: (any SketchQuerier)?, limits: QueryLimits) {
        self.options = options
        self.querier = querier
        self.sketches = sketches
        self.limits = limits
        deadline = limits.timeout.map { options.clock.now() + $0.millis }
    }

    // MARK: Limits

    /// Fails once the deadline has passed. Cheap enough for every series loop;
    /// hot per-step loops call `tick()` instead.
    func checkDeadline() throws {
        guard let deadline, let timeout = limits.timeout else { return }
        if options.clock.now() > deadline {
            throw InfermonError.timeout(
                "query timed out in expression evaluation: it took longer than the timeout of "
                    + timeout.prometheusText)
        }
    }

    @inline(__always)
    func tick() throws {
        checks &+= 1
        if checks & 1023 == 0 { try checkDeadline() }
    }

    func account(samples count: Int) throws {
        loadedSamples += count
        if let maxSamples = limits.maxSamples, loadedSamples > maxSamples {
            throw InfermonError.limitExceeded(
                "query processing would load too many samples into memory (limit: \(maxSamples) samples per query); "
                    + "narrow the time range, raise the step, or select fewer series")
        }
    }

    // MARK: Selection

    func select(_ matchers: [LabelMatcher], from: Timestamp, through: Timestamp) throws -> [Series] {
        let key = SelectionKey(matchers: matchers, from: from, through: through)
        if let cached = selections[key] { return cached }
        try checkDeadline()
        let series = try querier.select(matchers, from: from, through: through)
        try account(samples: series.reduce(0) { $0 + $1.samples.count })
        try checkDeadline()
        selections[key] = series
        return series
    }

    // MARK: Dispatch

    func evaluate(_ expression: Expression, _ grid: Grid) throws -> EvalValue {
        try checkDeadline()
        switch expression {
        case .number(let value):
            return .scalar([Double](repeating: value, count: grid.count))
        case .string(let text):
            return .string(text)
        case .parenthesized(let inner):
            return try evaluate(inner, grid)
        case .negation(let inner):
            switch try evaluate(inner, grid) {
            case .scalar(let values): return .scalar(values.map { -$0 })
            case .vector(let series):
                var collector = SeriesCollector(count: grid.count)
                for var item in series {
                    item.labels = item.labels.withoutName
                    for step in 0..<grid.count { item.values[step] = -item.values[step] }
                    try collector.add(item)
                }
                return .vector(collector.series)
            case let other: return other
            }
        case .selector(let selector):
            return .vector(try evaluateSelector(selector, grid, timestamps: false))
        case .rangeSelector(let selector, let range):
            return .matrix(try evaluateRangeSelector(selector, range: range, grid))
        case .subquery(let subquery):
            return .matrix(try evaluateSubquery(subquery, grid))
        case .call(let call):
            return try evaluateCall(call, grid)
        case .aggregation(let aggregation):
            return try evaluateAggregation(aggregation, grid)
        case .binary(let binary):
            return try evaluateBinary(binary, grid)
        }
    }

    func evaluateScalar(_ expression: Expression, _ grid: Grid) throws -> [Double] {
        guard case .scalar(let values) = try evaluate(expression, grid) else {
            throw EvaluationError.execution("expected a scalar from \(expression)")
        }
        return values
    }

    func evaluateString(_ expression: Expression, _ grid: Grid) throws -> String {
        guard case .string(let text) = try evaluate(expression, grid) else {
            throw EvaluationError.execution("expected a string from \(expression)")
        }
        return text
    }

    func evaluateVector(_ expression: Expression, _ grid: Grid) throws -> [StepSeries] {
        guard case .vector(let series) = try evaluate(expression, grid) else {
            throw EvaluationError.execution("expected an instant vector from \(expression)")
        }
        return series
    }

    func evaluateMatrix(_ expression: Expression, _ grid: Grid) throws -> RangeData {
        guard case .matrix(let data) = try evaluate(expression, grid) else {
            throw EvaluationError.execution("expected a range vector from \(expression)")
        }
        return data
    }

    // MARK: Selectors

    /// The latest sample at or before each step within the lookback window, unless
    /// that sample is a staleness marker. With `timestamps`, the value is the
    /// sample's own time in seconds (what `timestamp()` of a selector returns).
    func evaluateSelector(_ selector: VectorSelector, _ grid: Grid, timestamps: Bool) throws -> [StepSeries] {
        guard grid.count > 0 else { return [] }
        let lookback = options.lookbackDelta
        let selected = try select(
            selector.matchers, from: grid.start - selector.offset - lookback, through: grid.end - selector.offset)
        var output: [StepSeries] = []
        output.reserveCapacity(selected.count)
        for series in selected {
            try checkDeadline()
            var result = StepSeries(labels: series.labels, count: grid.count)
            var any = false
            let samples = series.samples
            var next = 0
            for step in 0..<grid.count {
                let reference = grid.time(step) - selector.offset
                while next < samples.count && samples[next].timestamp <= reference { next += 1 }
                guard next > 0 else { continue }
                let sample = samples[next - 1]
                if sample.timestamp >= reference - lookback && !sample.isStaleMarker {
                    result.values[step] = timestamps ? Double(sample.timestamp) / 1000 : sample.value
                    result.present[step] = true
                    any = true
                }
            }
            if any { output.append(result) }
        }
        return output
    }

    func evaluateRangeSelector(_ selector: VectorSelector, range: Int64, _ grid: Grid) throws -> RangeData {
        guard grid.count > 0 else { return RangeData(series: [], range: range, offset: selector.offset) }
        let selected = try select(
            selector.matchers, from: grid.start - selector.offset - range, through: grid.end - selector.offset)
        // Range vectors never contain staleness markers.
        let series = selected.map { series -> Series in
            guard series.samples.contains(where: \.isStaleMarker) else { return series }
            return Series(labels: series.labels, samples: series.samples.filter { !$0.isStaleMarker })
        }
        return RangeData(series: series, range: range, offset: selector.offset, matchers: selector.matchers)
    }

    /// Evaluates the inner expression on its own grid, aligned to multiples of the
    /// step as Prometheus does, from the first step of the first window to the last.
    func evaluateSubquery(_ subquery: Subquery, _ grid: Grid) throws -> RangeData {
        let step = subquery.step ?? options.defaultSubqueryStep
        guard grid.count > 0 else { return RangeData(series: [], range: subquery.range, offset: subquery.offset) }
        let earliest = grid.start - subquery.offset - subquery.range
        var innerStart = floorDivide(earliest, step) * step
        if innerStart < earliest { innerStart += step }
        let inner = Grid(start: innerStart, end: grid.end - subquery.offset, step: step)
        // Refuse before allocating: every inner step holds a value per series.
        let budget = limits.maxSamples ?? Self.defaultMaxSubquerySteps
        if inner.count > budget {
            throw InfermonError.limitExceeded(
                "subquery \(Expression.subquery(subquery)) would evaluate \(inner.count) steps, more than the limit "
                    + "of \(budget) samples per query; use a larger subquery step or a shorter range")
        }
        let series = try evaluateVector(subquery.expression, inner)
        var output: [Series] = []
        var points = 0
        for item in series {
            var samples: [Sample] = []
            for index in 0..<inner.count where item.present[index] {
                samples.append(Sample(inner.time(index), item.values[index]))
            }
            points += samples.count
            if !samples.isEmpty { output.append(Series(labels: item.labels, samples: samples)) }
        }
        try account(samples: points)
        return RangeData(series: output, range: subquery.range, offset: subquery.offset)
    }
}
