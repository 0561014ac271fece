public import InfermonCore
import Synchronization

/// The quality service's cumulative counters (judge errors, judge cost) and
/// the rate series it published last time, so a rate that drops below the
/// minimum sample count gets a stale marker instead of lingering at its old value.
final class CounterBook: Sendable {
    private struct State {
        var totals: [Labels: Double] = [:]
        var publishedRates: Set<Labels> = []
    }

    private let state: Mutex<State>

    init(restored: [Labels: Sample]) {
        var initial = State()
        for (labels, sample) in restored { initial.totals[labels] = sample.value }
        state = Mutex(initial)
    }

    func add(_ amount: Double, to labels: Labels) {
        state.withLock { $0.totals[labels, default: 0] += amount }
    }

    var totals: [Labels: Double] { state.withLock { $0.totals } }

    /// Current counter values, plus a stale marker for each rate series that was
    /// published last time but not now ("not enough data" any more).
    func staleMarkersAndCounters(publishedRates: Set<Labels>, at now: Timestamp) -> [(labels: Labels, sample: Sample)] {
        state.withLock { state in
            var out: [(labels: Labels, sample: Sample)] = []
            for labels in state.publishedRates.subtracting(publishedRates).sorted() {
                out.append((labels, Sample(now, Sample.staleNaN)))
            }
            state.publishedRates = publishedRates
            for (labels, total) in state.totals.sorted(by: { $0.key < $1.key }) {
                out.append((labels, Sample(now, total)))
            }
            return out
        }
    }
}

extension QualityService {
    /// The last stored samples of the service's counters, to pass as
    /// `restoredCounters`; `lookback` should cover the samples' retention.
    public static func restoreCounters(from querier: any SeriesQuerier, now: Timestamp, lookback: Duration) throws
        -> [Labels: Sample]
    {
        var restored: [Labels: Sample] = [:]
        let matcher = try LabelMatcher(
            Labels.metricName, .matchRegex, "\(QualityMetrics.judgeErrors)|\(QualityMetrics.judgeCost)")
        for series in try querier.select([matcher], from: now - lookback.millis, through: now) {
            if let last = series.samples.last(where: { !$0.isStaleMarker }) { restored[series.labels] = last }
        }
        return restored
    }

    /// Counter totals as the service holds them now, for `/metrics` and tests.
    public var counterTotals: [Labels: Double] { counters.totals }
}
