public import InfermonCore

/// Evaluates PromQL over a `SeriesQuerier` (and a `SketchQuerier` for the
/// `sketch_quantile_over_time` extension). Stateless apart from its options, so
/// one engine serves every caller concurrently.
///
/// Semantics follow Prometheus 2.x (the version the Debian `prometheus` package
/// ships and infermon is compared against): range windows and the lookback window
/// are closed on both ends (`[t - range, t]`), staleness markers end a series,
/// `rate`/`increase`/`delta` extrapolate as Prometheus's `extrapolatedRate` does.
public struct QueryEngine: Sendable {
    public let options: QueryOptions

    public init(options: QueryOptions = QueryOptions()) { self.options = options }

    /// Evaluates `query` at one point in time.
    public func instant(
        _ query: String, at time: Timestamp, querier: any SeriesQuerier, sketches: (any SketchQuerier)? = nil,
        limits: QueryLimits = .unlimited
    ) throws -> QueryResult {
        try instant(PromQL.parse(query), at: time, querier: querier, sketches: sketches, limits: limits)
    }

    public func instant(
        _ expression: Expression, at time: Timestamp, querier: any SeriesQuerier,
        sketches: (any SketchQuerier)? = nil, limits: QueryLimits = .unlimited
    ) throws -> QueryResult {
        let evaluation = Evaluation(options: options, querier: querier, sketches: sketches, limits: limits)
        let grid = Grid(start: time, end: time, step: 1)
        let value = try evaluation.evaluate(expression, grid)
        switch value {
        case .scalar(let values): return .scalar(Sample(time, values[0]))
        case .string(let text): return .string(text, at: time)
        case .vector(let series):
            var samples = series.compactMap { series in
                series.present[0] ? InstantSample(labels: series.labels, timestamp: time, value: series.values[0]) : nil
            }
            if !Self.ordersItsOutput(expression) { samples.sort { $0.labels < $1.labels } }
            return .vector(samples)
        case .matrix(let data):
            let maxT = time - data.offset
            let minT = maxT - data.range
            var series = data.series.compactMap { series -> Series? in
                let window = series.samples.filter { $0.timestamp >= minT && $0.timestamp <= maxT }
                return window.isEmpty ? nil : Series(labels: series.labels, samples: window)
            }
            series.sort { $0.labels < $1.labels }
            return .matrix(series)
        }
    }

    /// Evaluates `query` at `start`, `start + step`, … up to `end` (milliseconds).
    public func range(
        _ query: String, start: Timestamp, end: Timestamp, step: Int64, querier: any SeriesQuerier,
        sketches: (any SketchQuerier)? = nil, limits: QueryLimits = .unlimited
    ) throws -> QueryResult {
        try range(
            PromQL.parse(query), start: start, end: end, step: step, querier: querier, sketches: sketches,
            limits: limits)
    }

    public func range(
        _ expression: Expression, start: Timestamp, end: Timestamp, step: Int64, querier: any SeriesQuerier,
        sketches: (any SketchQuerier)? = nil, limits: QueryLimits = .unlimited
    ) throws -> QueryResult {
        guard step > 0 else {
            throw InfermonError.invalidArgument(
                "zero or negative query resolution step widths are not accepted. Try a positive integer")
        }
        guard end >= start else { throw InfermonError.invalidArgument("end timestamp must not be before start time") }
        if (end - start) / step >= Int64(options.maxPointsPerSeries) {
            throw InfermonError.invalidArgument(
                "exceeded maximum resolution of \(options.maxPointsPerSeries) points per timeseries. "
                    + "Try decreasing the query resolution (?step=XX)")
        }
        let type = expression.type
        guard type == .scalar || type == .vector else {
            throw InfermonError.invalidArgument(
                "invalid expression type \"\(type.rawValue)\" for range query, must be Scalar or instant Vector")
        }
        let evaluation = Evaluation(options: options, querier: querier, sketches: sketches, limits: limits)
        let grid = Grid(start: start, end: end, step: step)
        var output: [Series] = []
        switch try evaluation.evaluate(expression, grid) {
        case .scalar(let values):
            output = [Series(labels: Labels(), samples: values.enumerated().map { Sample(grid.time($0), $1) })]
        case .vector(let series):
            for item in series {
                var samples: [Sample] = []
                samples.reserveCapacity(grid.count)
                for step in 0..<grid.count where item.present[step] {
                    samples.append(Sample(grid.time(step), item.values[step]))
                }
                if !samples.isEmpty { output.append(Series(labels: item.labels, samples: samples)) }
            }
            output.sort { $0.labels < $1.labels }
        case .string, .matrix:
            break
        }
        return .matrix(output)
    }

    /// Expressions whose instant-vector result order carries meaning.
    static func ordersItsOutput(_ expression: Expression) -> Bool {
        switch expression.unwrapped {
        case .call(let call): return call.function.name == "sort" || call.function.name == "sort_desc"
        case .aggregation(let aggregation): return aggregation.op == .topk || aggregation.op == .bottomk
        default: return false
        }
    }
}
