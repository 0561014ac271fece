public import InfermonCore
import Synchronization

/// Series and sketches held in memory, answering the store's read protocols the
/// way the SQLite store must: matching series only, samples within
/// `from...through` in time order, series sorted by labels. It records every
/// selection so tests can check how a query read its data.
public final class InMemorySeriesStore: SeriesQuerier, SketchQuerier, SampleAppender {
    /// One call of `select`, `labelSets` or `sketches`.
    public struct Selection: Sendable, Hashable {
        public var matchers: [LabelMatcher]
        public var from: Timestamp
        public var through: Timestamp
    }

    private struct State {
        var series: [Labels: [Sample]] = [:]
        var sketches: [Labels: [(timestamp: Timestamp, sketch: QuantileSketch)]] = [:]
        var selections: [Selection] = []
    }

    private let state = Mutex(State())
    /// Called before each read; a test can advance a `ManualClock` here to run
    /// into a query deadline without sleeping.
    private let onRead: (@Sendable () -> Void)?

    public init(onRead: (@Sendable () -> Void)? = nil) { self.onRead = onRead }

    // MARK: Writing

    /// Adds samples to a series (labels include `__name__`), keeping time order.
    public func add(_ labels: Labels, _ samples: [Sample]) {
        state.withLock { state in
            var existing = state.series[labels] ?? []
            let ordered =
                existing.last.map { last in samples.first.map { $0.timestamp > last.timestamp } ?? true } ?? true
            existing += samples
            if !ordered { existing.sort { $0.timestamp < $1.timestamp } }
            state.series[labels] = existing
        }
    }

    public func append(_ samples: [(labels: Labels, sample: Sample)]) async throws {
        for entry in samples { add(entry.labels, [entry.sample]) }
    }

    /// Adds one rollup interval's sketch, stamped with the interval's end.
    public func addSketch(_ labels: Labels, at timestamp: Timestamp, _ sketch: QuantileSketch) {
        state.withLock { state in
            state.sketches[labels, default: []].append((timestamp, sketch))
            state.sketches[labels]!.sort { $0.timestamp < $1.timestamp }
        }
    }

    /// Forgets all series, sketches and recorded selections.
    public func clear() { state.withLock { $0 = State() } }

    /// Every read so far, in order.
    public var selections: [Selection] { state.withLock { $0.selections } }

    // MARK: Reading

    public func select(_ matchers: [LabelMatcher], from: Timestamp, through: Timestamp) throws -> [Series] {
        onRead?()
        return state.withLock { state in
            state.selections.append(Selection(matchers: matchers, from: from, through: through))
            return state.series.compactMap { labels, samples -> Series? in
                guard matchers.matches(labels) else { return nil }
                let window = samples.filter { $0.timestamp >= from && $0.timestamp <= through }
                return window.isEmpty ? nil : Series(labels: labels, samples: window)
            }.sorted { $0.labels < $1.labels }
        }
    }

    public func labelSets(_ matchers: [LabelMatcher], from: Timestamp, through: Timestamp) throws -> [Labels] {
        try select(matchers, from: from, through: through).map(\.labels)
    }

    public func sketches(_ matchers: [LabelMatcher], from: Timestamp, through: Timestamp) throws -> [SketchSeries] {
        onRead?()
        return state.withLock { state in
            state.selections.append(Selection(matchers: matchers, from: from, through: through))
            return state.sketches.compactMap { labels, points -> SketchSeries? in
                guard matchers.matches(labels) else { return nil }
                let window = points.filter { $0.timestamp >= from && $0.timestamp <= through }
                return window.isEmpty ? nil : SketchSeries(labels: labels, points: window)
            }.sorted { $0.labels < $1.labels }
        }
    }
}
