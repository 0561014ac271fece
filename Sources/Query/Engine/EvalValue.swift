import InfermonCore

/// The evaluation times of one (sub)query: `start`, `start + step`, … up to `end`.
/// An instant query is a grid of one step. Every node is evaluated for all steps
/// at once, so selectors are read once and label work happens once per series.
struct Grid: Sendable {
    let start: Timestamp
    let step: Int64
    let count: Int

    init(start: Timestamp, end: Timestamp, step: Int64) {
        self.start = start
        self.step = step
        count = end < start ? 0 : Int((end - start) / step) + 1
    }

    var end: Timestamp { start + Int64(max(count - 1, 0)) * step }

    @inline(__always)
    func time(_ index: Int) -> Timestamp { start + Int64(index) * step }
}

/// One series of an instant-vector result over all steps of a grid; a step
/// without a value is absent (`present[i] == false`), which is not NaN.
struct StepSeries {
    var labels: Labels
    var values: [Double]
    var present: [Bool]

    init(labels: Labels, count: Int) {
        self.labels = labels
        values = [Double](repeating: 0, count: count)
        present = [Bool](repeating: false, count: count)
    }

    init(labels: Labels, values: [Double], present: [Bool]) {
        self.labels = labels
        self.values = values
        self.present = present
    }

    var isEmpty: Bool { !present.contains(true) }
}

/// Raw samples of a range vector (staleness markers removed) and how a step's
/// window is cut from them: `[t - offset - range, t - offset]`, both ends closed.
struct RangeData {
    var series: [Series]
    var range: Int64
    var offset: Int64
    /// The selector's matchers, when the range came from a selector (for absent_over_time).
    var matchers: [LabelMatcher]?
}

enum EvalValue {
    case scalar([Double])
    case string(String)
    case vector([StepSeries])
    case matrix(RangeData)
}

/// Gathers output series keyed by labels. Series whose labels coincide (for
/// example after the metric name was dropped) are merged when their steps do
/// not overlap, and are an error when they do, as in Prometheus.
struct SeriesCollector {
    private var slots: [Labels: Int] = [:]
    private(set) var series: [StepSeries] = []
    let count: Int

    init(count: Int) { self.count = count }

    mutating func slot(for labels: Labels) -> Int {
        if let slot = slots[labels] { return slot }
        slots[labels] = series.count
        series.append(StepSeries(labels: labels, count: count))
        return series.count - 1
    }

    /// Whether the slot already has a value at `step`.
    func isSet(_ slot: Int, _ step: Int) -> Bool { series[slot].present[step] }

    mutating func set(_ slot: Int, _ step: Int, _ value: Double) throws {
        if series[slot].present[step] { throw EvaluationError.duplicateLabelset(series[slot].labels) }
        series[slot].values[step] = value
        series[slot].present[step] = true
    }

    mutating func add(_ other: StepSeries) throws {
        let slot = slot(for: other.labels)
        if series[slot].isEmpty && series[slot].values.count == other.values.count {
            series[slot] = other
            return
        }
        for step in 0..<count where other.present[step] { try set(slot, step, other.values[step]) }
    }

    /// Output series that have at least one value.
    var nonEmpty: [StepSeries] { series.filter { !$0.isEmpty } }
}

/// Errors of evaluation, with the messages Prometheus uses for the same conditions.
enum EvaluationError {
    static func duplicateLabelset(_ labels: Labels) -> InfermonError {
        .invalidInput("vector cannot contain metrics with the same labelset: \(labels)")
    }

    static func execution(_ message: String) -> InfermonError { .invalidInput(message) }
}
