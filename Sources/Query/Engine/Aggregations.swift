import InfermonCore

/// Aggregation operators. Series are assigned to groups once; each step then
/// only gathers the present values of a group's members.
extension Evaluation {
    func evaluateAggregation(_ aggregation: Aggregation, _ grid: Grid) throws -> EvalValue {
        let series = try evaluateVector(aggregation.expression, grid)
        var parameter: [Double] = []
        var valueLabel = ""
        if let expression = aggregation.parameter {
            if aggregation.op == .countValues {
                valueLabel = try evaluateString(expression, grid)
            } else {
                parameter = try evaluateScalar(expression, grid)
            }
        }
        // count_values groups by its value label too (unless `without` is used).
        let extra = aggregation.op == .countValues ? [valueLabel] : []
        let groupKey: (Labels) -> Labels
        switch aggregation.grouping {
        case nil where extra.isEmpty: groupKey = { _ in Labels() }
        case nil:
            let keep = Set(extra)
            groupKey = { $0.keeping(keep) }
        case .by(let names):
            let keep = Set(names + extra)
            groupKey = { $0.keeping(keep) }
        case .without(let names):
            let remove = Set(names).union([Labels.metricName])
            groupKey = { $0.removing(remove) }
        }
        if aggregation.op == .countValues {
            return .vector(try countValues(valueLabel, series, groupKey, grid))
        }
        var groupIndex: [Labels: Int] = [:]
        var groups: [(labels: Labels, members: [Int])] = []
        for (index, item) in series.enumerated() {
            let key = groupKey(item.labels)
            if let group = groupIndex[key] {
                groups[group].members.append(index)
            } else {
                groupIndex[key] = groups.count
                groups.append((key, [index]))
            }
        }
        switch aggregation.op {
        case .topk, .bottomk:
            return .vector(try topK(aggregation.op == .topk, parameter, series, groups, grid))
        default:
            break
        }
        let reduce = try reducer(aggregation.op, parameter)
        var output: [StepSeries] = []
        var scratch: [Double] = []
        for group in groups {
            try checkDeadline()
            var result = StepSeries(labels: group.labels, count: grid.count)
            for step in 0..<grid.count {
                scratch.removeAll(keepingCapacity: true)
                for member in group.members where series[member].present[step] {
                    scratch.append(series[member].values[step])
                }
                if scratch.isEmpty { continue }
                result.values[step] = reduce(&scratch, step)
                result.present[step] = true
            }
            if !result.isEmpty { output.append(result) }
        }
        return .vector(output)
    }

    private func reducer(_ op: Aggregation.Operator, _ parameter: [Double]) throws -> (inout [Double], Int) -> Double {
        switch op {
        case .sum: return { values, _ in kahanSum(values) }
        case .avg: return { values, _ in average(values) }
        case .count: return { values, _ in Double(values.count) }
        case .group: return { _, _ in 1 }
        case .min:
            return { values, _ in values.dropFirst().reduce(values[0]) { $1 < $0 || $0.isNaN ? $1 : $0 } }
        case .max:
            return { values, _ in values.dropFirst().reduce(values[0]) { $1 > $0 || $0.isNaN ? $1 : $0 } }
        case .stddev: return { values, _ in variance(values).squareRoot() }
        case .stdvar: return { values, _ in variance(values) }
        case .quantile: return { values, step in quantile(parameter[step], &values) }
        case .topk, .bottomk, .countValues:
            throw EvaluationError.execution("\(op.rawValue) is not a reducing aggregation")
        }
    }

    /// The k largest (smallest) members per group and step, keeping their labels.
    /// NaN ranks last either way. An instant result lists each group's picks in rank order.
    private func topK(
        _ largest: Bool, _ k: [Double], _ series: [StepSeries], _ groups: [(labels: Labels, members: [Int])],
        _ grid: Grid
    ) throws -> [StepSeries] {
        var outputs: [Int: StepSeries] = [:]
        var order: [Int] = []
        var picked: [Int] = []
        for step in 0..<grid.count {
            guard k[step].isFinite || k[step].isNaN, abs(k[step]) < 9.2e18 else {
                throw EvaluationError.execution("Scalar value \(formatPrometheusFloat(k[step])) overflows int64")
            }
            let count = k[step].isNaN ? 0 : Int(k[step])
            if count < 1 { continue }
            for group in groups {
                try tick()
                picked = group.members.filter { series[$0].present[step] }
                picked.sort { a, b in
                    let (x, y) = (series[a].values[step], series[b].values[step])
                    if x.isNaN || y.isNaN { return !x.isNaN && y.isNaN }
                    return largest ? x > y : x < y
                }
                for member in picked.prefix(count) {
                    if outputs[member] == nil {
                        outputs[member] = StepSeries(labels: series[member].labels, count: grid.count)
                        order.append(member)
                    }
                    outputs[member]!.values[step] = series[member].values[step]
                    outputs[member]!.present[step] = true
                }
            }
        }
        return order.map { outputs[$0]! }
    }

    /// Counts series per distinct value. As in Prometheus, the value label is set
    /// before grouping, so it can replace a grouping label of the same name.
    private func countValues(
        _ label: String, _ series: [StepSeries], _ groupKey: (Labels) -> Labels, _ grid: Grid
    ) throws -> [StepSeries] {
        guard PrometheusNames.isLabelName(label) else {
            throw EvaluationError.execution("invalid label name \"\(label)\"")
        }
        var collector = SeriesCollector(count: grid.count)
        // Per series, the output slot of each value seen: label work once per distinct value.
        var slots = [[String: Int]](repeating: [:], count: series.count)
        var counts: [Int: Double] = [:]
        for step in 0..<grid.count {
            try tick()
            counts.removeAll(keepingCapacity: true)
            for (index, item) in series.enumerated() where item.present[step] {
                let text = formatPrometheusFloat(item.values[step])
                let slot: Int
                if let known = slots[index][text] {
                    slot = known
                } else {
                    slot = collector.slot(for: groupKey(item.labels.setting(label, to: text)))
                    slots[index][text] = slot
                }
                counts[slot, default: 0] += 1
            }
            for (slot, count) in counts { try collector.set(slot, step, count) }
        }
        return collector.nonEmpty
    }
}
