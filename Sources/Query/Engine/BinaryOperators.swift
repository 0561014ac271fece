import InfermonCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Binary operators between scalars and vectors; vector-vector matching lives in
/// `VectorMatching.swift`.
extension Evaluation {
    func evaluateBinary(_ binary: BinaryOperation, _ grid: Grid) throws -> EvalValue {
        let left = try evaluate(binary.left, grid)
        let right = try evaluate(binary.right, grid)
        switch (left, right) {
        case (.scalar(let a), .scalar(let b)):
            return .scalar(
                (0..<grid.count).map { step in
                    let (value, keep) = applyBinary(binary.op, a[step], b[step])
                    return binary.op.isComparison ? (keep ? 1 : 0) : value
                })
        case (.vector(let series), .scalar(let scalar)):
            return .vector(try vectorScalar(binary, series, scalar, scalarOnLeft: false, grid))
        case (.scalar(let scalar), .vector(let series)):
            return .vector(try vectorScalar(binary, series, scalar, scalarOnLeft: true, grid))
        case (.vector(let lhs), .vector(let rhs)):
            let matching = binary.matching ?? .init(cardinality: binary.op.isSetOperator ? .manyToMany : .oneToOne)
            switch binary.op {
            case .and: return .vector(try intersect(lhs, rhs, matching, keepMatched: true, grid))
            case .unless: return .vector(try intersect(lhs, rhs, matching, keepMatched: false, grid))
            case .or: return .vector(try union(lhs, rhs, matching, grid))
            default: return .vector(try vectorVector(binary, lhs, rhs, matching, grid))
            }
        default:
            throw EvaluationError.execution("binary expression must contain only scalar and instant vector types")
        }
    }

    private func vectorScalar(
        _ binary: BinaryOperation, _ series: [StepSeries], _ scalar: [Double], scalarOnLeft: Bool, _ grid: Grid
    ) throws -> [StepSeries] {
        let dropName = !binary.op.isComparison || binary.returnsBool
        var collector = SeriesCollector(count: grid.count)
        var output: [StepSeries] = []
        for item in series {
            try checkDeadline()
            var result = StepSeries(labels: dropName ? item.labels.withoutName : item.labels, count: grid.count)
            for step in 0..<grid.count where item.present[step] {
                let element = item.values[step]
                var (value, keep) =
                    scalarOnLeft
                    ? applyBinary(binary.op, scalar[step], element) : applyBinary(binary.op, element, scalar[step])
                // A comparison keeps the vector's value, on whichever side the vector is.
                if binary.op.isComparison { value = element }
                if binary.returnsBool {
                    value = keep ? 1 : 0
                } else if !keep {
                    continue
                }
                result.values[step] = value
                result.present[step] = true
            }
            if result.isEmpty { continue }
            if dropName { try collector.add(result) } else { output.append(result) }
        }
        return dropName ? collector.series : output
    }
}

/// The value of `left op right` and, for comparisons, whether it holds; for
/// comparisons the value is the left operand, as Prometheus returns it.
@inline(__always)
func applyBinary(_ op: BinaryOperation.Operator, _ left: Double, _ right: Double) -> (Double, Bool) {
    switch op {
    case .add: return (left + right, true)
    case .subtract: return (left - right, true)
    case .multiply: return (left * right, true)
    case .divide: return (left / right, true)
    case .modulo: return (fmod(left, right), true)
    case .power: return (pow(left, right), true)
    case .equal: return (left, left == right)
    case .notEqual: return (left, left != right)
    case .greater: return (left, left > right)
    case .less: return (left, left < right)
    case .greaterOrEqual: return (left, left >= right)
    case .lessOrEqual: return (left, left <= right)
    case .and, .or, .unless: return (left, true)
    }
}
