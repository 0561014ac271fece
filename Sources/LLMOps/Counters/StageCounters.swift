public import InfermonCore
import Synchronization

/// One observation for a counter: `amount` events at `timestamp`. An amount of
/// zero still produces a sample, which keeps sibling series (an SLO's good and
/// bad counts) sampled at the same times, so ratios of their rates are defined.
public struct CounterIncrement: Sendable {
    public var labels: Labels
    public var timestamp: Timestamp
    public var amount: Double

    public init(labels: Labels, timestamp: Timestamp, amount: Double = 1) {
        self.labels = labels
        self.timestamp = timestamp
        self.amount = amount
    }
}

/// Cumulative counters kept by an ingest stage and written as samples in the
/// batch that holds the events they count, so counts and events commit together.
///
/// Samples carry event time, not arrival time, so a backfilled log shows its
/// history as it happened. Per batch, each series gets at most one sample per
/// `resolution` interval, stamped with the newest event of that interval:
/// the value at any interval boundary is then exactly the count of the events
/// before it, which is what makes SLO windows aligned to the boundaries exact.
/// Timestamps of a series only increase (the store refuses anything else): an
/// event older than the series' last sample is counted at the last sample's
/// time plus one millisecond, as the store's rollups count a late event in the
/// open interval.
///
/// With a store several daemons share, each daemon's series carry its
/// `instance` label, as Prometheus labels each target's: every series is then
/// one daemon's monotonic counter, and `sum(rate(...))` adds the daemons up.
public final class StageCounters: Sendable {
    /// Width of the intervals samples are grouped by.
    public static let resolution: Int64 = 60_000

    /// Per series: its total and the time of its newest sample.
    private struct State {
        var series: [Labels: (total: Double, last: Timestamp)] = [:]
    }

    private let state: Mutex<State>
    /// The `instance` label set on every series, or nil for none (one daemon per store).
    public let instance: String?
    /// The series as they were before the last `record`, for `undoLastRecord`.
    private let beforeLast = Mutex<[Labels: (total: Double, last: Timestamp)]>([:])

    /// Starts from the last stored sample of each series (restored with the same `instance`).
    public init(restored: [Labels: Sample] = [:], instance: String? = nil) {
        self.instance = instance
        var initial = State()
        for (labels, sample) in restored where !sample.isStaleMarker {
            initial.series[labels] = (sample.value, sample.timestamp)
        }
        state = Mutex(initial)
    }

    /// Adds a batch's increments and returns the samples to commit with it.
    public func record(_ increments: [CounterIncrement]) -> [(labels: Labels, sample: Sample)] {
        guard !increments.isEmpty else { return [] }
        // Per series and interval: the events' sum and the newest time.
        var grouped: [Labels: [Int64: (amount: Double, newest: Timestamp)]] = [:]
        for var increment in increments {
            if let instance { increment.labels = increment.labels.setting("instance", to: instance) }
            let bucket = floorDivide(increment.timestamp, Self.resolution)
            var intervals = grouped[increment.labels, default: [:]]
            let current = intervals[bucket] ?? (0, .min)
            intervals[bucket] = (current.amount + increment.amount, max(current.newest, increment.timestamp))
            grouped[increment.labels] = intervals
        }
        return state.withLock { state in
            var out: [(labels: Labels, sample: Sample)] = []
            out.reserveCapacity(grouped.count)
            var before: [Labels: (total: Double, last: Timestamp)] = [:]
            defer { beforeLast.withLock { $0 = before } }
            for (labels, intervals) in grouped {
                before[labels] = state.series[labels] ?? (0, .min)
                var (total, last) = state.series[labels] ?? (0, .min)
                for (_, interval) in intervals.sorted(by: { $0.key < $1.key }) {
                    total += interval.amount
                    let timestamp = last == .min ? interval.newest : max(interval.newest, last + 1)
                    last = timestamp
                    out.append((labels, Sample(timestamp, total)))
                }
                state.series[labels] = (total, last)
            }
            return out
        }
    }

    /// Makes the last `record` final: its batch was stored.
    public func forgetLastRecord() { beforeLast.withLock { $0 = [:] } }

    /// Puts the series the last `record` touched back as they were: its batch
    /// was not stored. Callers run one batch at a time (`StagedSink`).
    public func undoLastRecord() {
        let before = beforeLast.withLock { saved in
            defer { saved = [:] }
            return saved
        }
        state.withLock { state in
            for (labels, value) in before {
                if value.last == .min { state.series[labels] = nil } else { state.series[labels] = value }
            }
        }
    }

    /// Current totals, for `/metrics` and tests.
    public var totals: [Labels: Double] { state.withLock { $0.series.mapValues(\.total) } }

    /// The last stored sample of every series of `metrics`, to pass as `restored`.
    /// Reads through the store's query protocol, newest data first, so a restart
    /// does not decode months of samples; `lookback` should cover the samples'
    /// retention. Samples stamped after `now` (events from a fast clock) count too.
    /// With `instance`, only that daemon's series: the others' totals are theirs to continue.
    public static func restore(
        metrics: [String], from querier: any SeriesQuerier, now: Timestamp, lookback: Duration,
        instance: String? = nil
    ) throws -> [Labels: Sample] {
        var matchers = [
            try LabelMatcher(Labels.metricName, .matchRegex, metrics.map(escapeRegexLiteral).joined(separator: "|"))
        ]
        if let instance { matchers.append(.equal("instance", instance)) }
        var found = try CounterReader(querier: querier).lastSamples(
            matchers, atOrBefore: now, notBefore: now - lookback.millis)
        for series in try querier.select(matchers, from: now + 1, through: now + 366 * 86_400_000) {
            if let last = series.samples.last(where: { !$0.isStaleMarker }) { found[series.labels] = last }
        }
        return found
    }
}

/// A literal string as a regular expression matching only itself.
func escapeRegexLiteral(_ text: String) -> String {
    var out = ""
    for character in text {
        if "\\.^$|?*+()[]{}".contains(character) { out.append("\\") }
        out.append(character)
    }
    return out
}
