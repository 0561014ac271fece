import InfermonCore

/// `sketch_quantile_over_time(φ, metric[range], "label", …)` — an infermon
/// extension, not PromQL: rule files that use it do not pass `promtool check rules`.
///
/// For each output group (the listed labels, or all labels but the metric name when
/// none are listed) it merges the rollup sketches whose intervals end inside the
/// window and answers the φ-quantile, exact within the sketches' relative accuracy.
/// Averaging per-series quantiles, the only option with classic PromQL, is not.
///
/// The window is `(t - range, t]`, open at the start: a sketch is stamped with the
/// end of its rollup interval, so one stamped exactly at `t - range` holds
/// observations from before the window.
extension Evaluation {
    func sketchQuantileOverTime(_ arguments: [Expression], _ grid: Grid) throws -> [StepSeries] {
        guard let sketches else {
            throw EvaluationError.execution("sketch_quantile_over_time needs a store that keeps quantile sketches")
        }
        let q = try evaluateScalar(arguments[0], grid)
        guard case .rangeSelector(let selector, let range) = arguments[1].unwrapped else {
            throw EvaluationError.execution(
                "sketch_quantile_over_time needs a metric selector with a range, like metric[5m], got \(arguments[1])")
        }
        let groupLabels = try arguments.dropFirst(2).map { try evaluateString($0, grid) }
        if let bad = groupLabels.first(where: { !PrometheusNames.isLabelName($0) }) {
            throw EvaluationError.execution("invalid label name in sketch_quantile_over_time(): \(bad)")
        }
        guard grid.count > 0 else { return [] }
        try checkDeadline()
        let selected = try sketches.sketches(
            selector.matchers, from: grid.start - selector.offset - range + 1, through: grid.end - selector.offset)
        try account(samples: selected.reduce(0) { $0 + $1.points.count })
        try checkDeadline()

        let keep = Set(groupLabels)
        var groupIndex: [Labels: Int] = [:]
        var groups: [(labels: Labels, points: [(timestamp: Timestamp, sketch: QuantileSketch)])] = []
        for series in selected {
            let key = keep.isEmpty ? series.labels.withoutName : series.labels.keeping(keep)
            if let index = groupIndex[key] {
                groups[index].points += series.points
            } else {
                groupIndex[key] = groups.count
                groups.append((key, series.points))
            }
        }
        var output: [StepSeries] = []
        for group in groups {
            try checkDeadline()
            let points = group.points.sorted { $0.timestamp < $1.timestamp }
            var result = StepSeries(labels: group.labels, count: grid.count)
            var low = 0
            var high = 0
            for step in 0..<grid.count {
                let maxT = grid.time(step) - selector.offset
                while high < points.count && points[high].timestamp <= maxT { high += 1 }
                while low < high && points[low].timestamp <= maxT - range { low += 1 }
                guard low < high else { continue }
                var merged = points[low].sketch
                for index in (low + 1)..<high {
                    guard points[index].sketch.relativeAccuracy == merged.relativeAccuracy else {
                        throw EvaluationError.execution(
                            "sketch_quantile_over_time cannot merge sketches of different accuracy in \(group.labels)")
                    }
                    merged.merge(points[index].sketch)
                    try tick()
                }
                guard let value = sketchQuantile(q[step], merged) else { continue }
                result.values[step] = value
                result.present[step] = true
            }
            if !result.isEmpty { output.append(result) }
        }
        return output
    }

    private func sketchQuantile(_ q: Double, _ sketch: QuantileSketch) -> Double? {
        if sketch.isEmpty { return nil }
        if q.isNaN { return .nan }
        if q < 0 { return -.infinity }
        if q > 1 { return .infinity }
        return sketch.quantile(q)
    }
}
