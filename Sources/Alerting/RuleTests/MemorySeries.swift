public import InfermonCore
import Synchronization

/// Series in memory, for rule unit tests: the input series of a test and
/// what its rules record (`ALERTS`, recording rules) live here, as promtool
/// keeps them in a temporary TSDB.
public final class MemorySeries: SeriesQuerier, SampleAppender {
    private let series = Mutex<[Labels: [Sample]]>([:])

    public init() {}

    /// Adds samples (in time order) to a series.
    public func add(_ labels: Labels, _ samples: [Sample]) {
        series.withLock { $0[labels, default: []] += samples }
    }

    public func append(_ samples: [(labels: Labels, sample: Sample)]) async throws {
        series.withLock { all in
            for entry in samples {
                // Out-of-order samples are dropped, as a TSDB refuses them.
                if let last = all[entry.labels]?.last, last.timestamp >= entry.sample.timestamp { continue }
                all[entry.labels, default: []].append(entry.sample)
            }
        }
    }

    public func select(_ matchers: [LabelMatcher], from: Timestamp, through: Timestamp) throws -> [Series] {
        series.withLock { all in
            all.compactMap { labels, samples -> Series? in
                guard matchers.matches(labels) else { return nil }
                let window = samples.filter { $0.timestamp >= from && $0.timestamp <= through }
                return window.isEmpty ? nil : Series(labels: labels, samples: window)
            }.sorted { $0.labels < $1.labels }
        }
    }

    public func labelSets(_ matchers: [LabelMatcher], from: Timestamp, through: Timestamp) throws -> [Labels] {
        try select(matchers, from: from, through: through).map(\.labels)
    }
}

/// Alert states kept in memory (tests; `infermon rules test`).
public final class MemoryAlertStates: AlertStateStore {
    private let states = Mutex<[String: [StoredAlertState]]>([:])

    public init() {}

    public func alertStates() async throws -> [StoredAlertState] {
        states.withLock { all in all.keys.sorted().flatMap { all[$0]! } }
    }

    public func replaceAlertStates(groupKey: String, with states: [StoredAlertState]) async throws {
        self.states.withLock { $0[groupKey] = states.isEmpty ? nil : states }
    }

    public func deleteAlertStates(exceptGroups groupKeys: Set<String>) async throws -> Int {
        states.withLock { all in
            let doomed = all.keys.filter { !groupKeys.contains($0) }
            let count = doomed.reduce(0) { $0 + (all[$1]?.count ?? 0) }
            for key in doomed { all[key] = nil }
            return count
        }
    }
}
