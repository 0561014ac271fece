import InfermonCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Function calls: dispatch, and the functions of instant vectors and scalars.
extension Evaluation {
    func evaluateCall(_ call: FunctionCall, _ grid: Grid) throws -> EvalValue {
        let name = call.function.name
        let arguments = call.arguments
        switch name {
        case "time":
            return .scalar((0..<grid.count).map { Double(grid.time($0)) / 1000 })
        case "vector":
            let values = try evaluateScalar(arguments[0], grid)
            return .vector([
                StepSeries(labels: Labels(), values: values, present: [Bool](repeating: true, count: grid.count))
            ])
        case "scalar":
            let series = try evaluateVector(arguments[0], grid)
            return .scalar(
                (0..<grid.count).map { step in
                    var found: Double?
                    var count = 0
                    for item in series where item.present[step] {
                        count += 1
                        found = item.values[step]
                    }
                    return count == 1 ? found! : .nan
                })
        case "timestamp":
            if case .selector(let selector) = arguments[0].unwrapped {
                return .vector(try dropNames(try evaluateSelector(selector, grid, timestamps: true), grid))
            }
            var series = try evaluateVector(arguments[0], grid)
            for index in series.indices {
                for step in 0..<grid.count { series[index].values[step] = Double(grid.time(step)) / 1000 }
            }
            return .vector(try dropNames(series, grid))
        case "absent":
            let series = try evaluateVector(arguments[0], grid)
            var matchers: [LabelMatcher] = []
            if case .selector(let selector) = arguments[0] { matchers = selector.matchers }
            var result = StepSeries(labels: absentLabels(matchers), count: grid.count)
            for step in 0..<grid.count where !series.contains(where: { $0.present[step] }) {
                result.values[step] = 1
                result.present[step] = true
            }
            return .vector(result.isEmpty ? [] : [result])
        case "sort", "sort_desc":
            var series = try evaluateVector(arguments[0], grid)
            // Order matters only for instant queries; range results are sorted by labels.
            if grid.count == 1 {
                let descending = name == "sort_desc"
                // NaN first in both directions, as Prometheus 2.x's sort heaps order it.
                series.sort { a, b in
                    let (x, y) = (a.values[0], b.values[0])
                    if x.isNaN || y.isNaN { return x.isNaN && !y.isNaN }
                    return descending ? x > y : x < y
                }
            }
            return .vector(series)
        case "histogram_quantile":
            let q = try evaluateScalar(arguments[0], grid)
            return .vector(try histogramQuantile(q, try evaluateVector(arguments[1], grid), grid))
        case "label_replace":
            return .vector(try labelReplace(arguments, grid))
        case "label_join":
            return .vector(try labelJoin(arguments, grid))
        case "sketch_quantile_over_time":
            return .vector(try sketchQuantileOverTime(arguments, grid))
        default:
            break
        }
        if call.function.arguments.first == .matrix || name == "quantile_over_time" {
            let matrixIndex = name == "quantile_over_time" ? 1 : 0
            var parameter: [Double]?
            if arguments.count == 2 { parameter = try evaluateScalar(arguments[1 - matrixIndex], grid) }
            let data = try evaluateMatrix(arguments[matrixIndex], grid)
            guard let result = try evaluateRangeFunction(name, data, grid, parameter: parameter) else {
                throw EvaluationError.execution("function \"\(name)\" is not implemented")
            }
            return .vector(result)
        }
        return .vector(try evaluateElementwise(name, arguments, grid))
    }

    /// Functions applied to each value on its own; they all drop the metric name.
    private func evaluateElementwise(_ name: String, _ arguments: [Expression], _ grid: Grid) throws -> [StepSeries] {
        let series = try evaluateVector(arguments[0], grid)
        let parameters = try arguments.dropFirst().map { try evaluateScalar($0, grid) }
        let transform: (Double, Int) -> Double?
        switch name {
        case "abs": transform = { value, _ in Swift.abs(value) }
        case "ceil": transform = { value, _ in ceil(value) }
        case "floor": transform = { value, _ in floor(value) }
        case "exp": transform = { value, _ in exp(value) }
        case "ln": transform = { value, _ in log(value) }
        case "log2": transform = { value, _ in log2(value) }
        case "log10": transform = { value, _ in log10(value) }
        case "sqrt": transform = { value, _ in value.squareRoot() }
        case "sgn": transform = { value, _ in value > 0 ? 1 : value < 0 ? -1 : value }
        case "round":
            transform = { value, step in
                // Prometheus rounds half up, to the nearest multiple of `to_nearest`.
                let inverse = 1 / (parameters.first?[step] ?? 1)
                return floor(value * inverse + 0.5) / inverse
            }
        case "clamp":
            transform = { value, step in
                let (low, high) = (parameters[0][step], parameters[1][step])
                return high < low ? nil : goMax(low, goMin(high, value))
            }
        case "clamp_min": transform = { value, step in goMax(parameters[0][step], value) }
        case "clamp_max": transform = { value, step in goMin(parameters[0][step], value) }
        default: throw EvaluationError.execution("function \"\(name)\" is not implemented")
        }
        var collector = SeriesCollector(count: grid.count)
        for item in series {
            try checkDeadline()
            var result = StepSeries(labels: item.labels.withoutName, count: grid.count)
            for step in 0..<grid.count where item.present[step] {
                if let value = transform(item.values[step], step) {
                    result.values[step] = value
                    result.present[step] = true
                }
            }
            if !result.isEmpty { try collector.add(result) }
        }
        return collector.series
    }

    func dropNames(_ series: [StepSeries], _ grid: Grid) throws -> [StepSeries] {
        var collector = SeriesCollector(count: grid.count)
        for var item in series {
            item.labels = item.labels.withoutName
            try collector.add(item)
        }
        return collector.series
    }
}

/// The labels `absent()` gives its output: those of the selector's equality
/// matchers except the metric name; a later matcher on the same name removes it.
func absentLabels(_ matchers: [LabelMatcher]) -> Labels {
    var pairs: [String: String] = [:]
    for matcher in matchers where matcher.name != Labels.metricName {
        if matcher.op == .equal && pairs[matcher.name] == nil {
            pairs[matcher.name] = matcher.value
        } else {
            pairs[matcher.name] = nil
        }
    }
    return Labels(pairs)
}
