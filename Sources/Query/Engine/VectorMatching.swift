import InfermonCore

/// Vector-to-vector operators. Match signatures and result labels are computed
/// once per series (or pair of series); the per-step work is value arithmetic
/// and the cardinality checks, with Prometheus's error messages.
extension Evaluation {
    func signature(_ labels: Labels, _ matching: BinaryOperation.Matching) -> Labels {
        matching.on
            ? labels.keeping(Set(matching.labels))
            : labels.removing(Set(matching.labels).union([Labels.metricName]))
    }

    /// Per signature, whether any series with it is present at each step.
    private func presence(of series: [StepSeries], _ matching: BinaryOperation.Matching, _ grid: Grid)
        -> [Labels: [Bool]]
    {
        var result: [Labels: [Bool]] = [:]
        for item in series {
            let key = signature(item.labels, matching)
            var any = result[key] ?? [Bool](repeating: false, count: grid.count)
            for step in 0..<grid.count where item.present[step] { any[step] = true }
            result[key] = any
        }
        return result
    }

    /// `and` (keepMatched) and `unless` (not keepMatched).
    func intersect(
        _ lhs: [StepSeries], _ rhs: [StepSeries], _ matching: BinaryOperation.Matching, keepMatched: Bool,
        _ grid: Grid
    ) throws -> [StepSeries] {
        let right = presence(of: rhs, matching, grid)
        var output: [StepSeries] = []
        for var item in lhs {
            try checkDeadline()
            let matched = right[signature(item.labels, matching)]
            for step in 0..<grid.count where item.present[step] {
                if (matched?[step] ?? false) != keepMatched { item.present[step] = false }
            }
            if !item.isEmpty { output.append(item) }
        }
        return output
    }

    /// `or`: every left series, and right series at steps where no left series has their signature.
    func union(_ lhs: [StepSeries], _ rhs: [StepSeries], _ matching: BinaryOperation.Matching, _ grid: Grid) throws
        -> [StepSeries]
    {
        let left = presence(of: lhs, matching, grid)
        var collector = SeriesCollector(count: grid.count)
        for item in lhs { try collector.add(item) }
        for var item in rhs {
            try checkDeadline()
            if let matched = left[signature(item.labels, matching)] {
                for step in 0..<grid.count where matched[step] { item.present[step] = false }
            }
            if !item.isEmpty { try collector.add(item) }
        }
        return collector.series
    }

    /// Arithmetic and comparisons, one-to-one or many-to-one (group_left/group_right).
    func vectorVector(
        _ binary: BinaryOperation, _ lhs: [StepSeries], _ rhs: [StepSeries], _ matching: BinaryOperation.Matching,
        _ grid: Grid
    ) throws -> [StepSeries] {
        // Work with the "many" side first; group_right swaps the sides.
        let swapped = matching.cardinality == .oneToMany
        let many = swapped ? rhs : lhs
        let one = swapped ? lhs : rhs
        var oneBySignature: [Labels: [Int]] = [:]
        for (index, item) in one.enumerated() {
            oneBySignature[signature(item.labels, matching), default: []].append(index)
        }
        var manyBySignature: [(signature: Labels, members: [Int])] = []
        var manyIndex: [Labels: Int] = [:]
        for (index, item) in many.enumerated() {
            let key = signature(item.labels, matching)
            guard oneBySignature[key] != nil else { continue }
            if let group = manyIndex[key] {
                manyBySignature[group].members.append(index)
            } else {
                manyIndex[key] = manyBySignature.count
                manyBySignature.append((key, [index]))
            }
        }
        var collector = SeriesCollector(count: grid.count)
        var pairSlots: [Int: [Int: Int]] = [:]
        for group in manyBySignature {
            try checkDeadline()
            let candidates = oneBySignature[group.signature]!
            for step in 0..<grid.count {
                try tick()
                var match: Int?
                for candidate in candidates where one[candidate].present[step] {
                    if let previous = match {
                        let side = swapped ? "left" : "right"
                        throw EvaluationError.execution(
                            "found duplicate series for the match group \(matchGroup(one[candidate].labels, matching)) "
                                + "on the \(side) hand-side of the operation: [\(one[candidate].labels), "
                                + "\(one[previous].labels)];many-to-many matching not allowed: "
                                + "matching labels must be unique on one side")
                    }
                    match = candidate
                }
                guard let oneIndex = match else { continue }
                var emitted = false
                for member in group.members where many[member].present[step] {
                    let manyValue = many[member].values[step]
                    let oneValue = one[oneIndex].values[step]
                    var (value, keep) =
                        swapped
                        ? applyBinary(binary.op, oneValue, manyValue) : applyBinary(binary.op, manyValue, oneValue)
                    if binary.returnsBool {
                        value = keep ? 1 : 0
                    } else if !keep {
                        continue
                    }
                    if matching.cardinality == .oneToOne {
                        if emitted {
                            throw EvaluationError.execution(
                                "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)"
                            )
                        }
                        emitted = true
                    }
                    let slot: Int
                    if let known = pairSlots[member]?[oneIndex] {
                        slot = known
                    } else {
                        let labels = resultLabels(many[member].labels, one[oneIndex].labels, binary, matching)
                        slot = collector.slot(for: labels)
                        pairSlots[member, default: [:]][oneIndex] = slot
                    }
                    if collector.isSet(slot, step) {
                        throw EvaluationError.execution(
                            matching.cardinality == .oneToOne
                                ? "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)"
                                : "multiple matches for labels: grouping labels must ensure unique matches")
                    }
                    try collector.set(slot, step, value)
                }
            }
        }
        return collector.nonEmpty
    }

    private func matchGroup(_ labels: Labels, _ matching: BinaryOperation.Matching) -> String {
        let group = signature(labels, matching)
        return "{" + group.map { "\($0.name)=\"\(escapeLabelValue($0.value))\"" }.joined(separator: ", ") + "}"
    }

    /// Labels of a result element: the "many" side's, without the metric name for
    /// arithmetic and `bool`, reduced to the matching labels for one-to-one `on`,
    /// plus the `group_x(…)` labels copied from the "one" side.
    private func resultLabels(
        _ many: Labels, _ one: Labels, _ binary: BinaryOperation, _ matching: BinaryOperation.Matching
    ) -> Labels {
        var labels = many
        if !binary.op.isComparison || binary.returnsBool { labels = labels.withoutName }
        if matching.cardinality == .oneToOne {
            labels = matching.on ? labels.keeping(Set(matching.labels)) : labels.removing(Set(matching.labels))
        }
        for name in matching.include {
            labels = labels.setting(name, to: one[name] ?? "")
        }
        return labels
    }
}
