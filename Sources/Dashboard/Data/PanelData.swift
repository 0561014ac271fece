public import InfermonCore
import Query

/// A series as a panel shows it: named by its query's legend, coloured by position.
public struct LabeledSeries: Sendable, Hashable {
    public var legend: String
    public var labels: Labels
    public var query: Int
    public var samples: [Sample]

    public init(legend: String, labels: Labels, query: Int, samples: [Sample]) {
        self.legend = legend
        self.labels = labels
        self.query = query
        self.samples = samples
    }

    /// The newest finite value.
    public var last: Double? { samples.last { $0.value.isFinite }?.value }

    /// The value at `end`: the last sample if it is on the final step of the
    /// range. A stat shows what is true now; when traffic stops, the last value
    /// from twenty minutes ago is not it. With no step known, the last value.
    public func current(end: Timestamp, step: Int64) -> Double? {
        guard step > 0 else { return last }
        guard let sample = samples.last(where: { $0.value.isFinite }), sample.timestamp > end - step else {
            return nil
        }
        return sample.value
    }
}

/// A value of an instant query.
public struct LabeledValue: Sendable, Hashable {
    public var legend: String
    public var labels: Labels
    public var query: Int
    public var value: Double

    public init(legend: String, labels: Labels, query: Int, value: Double) {
        self.legend = legend
        self.labels = labels
        self.query = query
        self.value = value
    }
}

/// What one refresh brought for one panel. An error is kept beside whatever
/// the panel's other queries returned: the panel shows both, the screen lives on.
public struct PanelData: Sendable, Hashable {
    public var series: [LabeledSeries] = []
    public var values: [LabeledValue] = []
    public var alerts: [ActiveAlert] = []
    public var notifications: [NotificationRecord] = []
    /// Set when the source does not offer this feed at all.
    public var notAvailable: String?
    public var error: String?
    /// The window the data covers (range queries) or the evaluation time (instant).
    public var start: Timestamp = 0
    public var end: Timestamp = 0
    /// The range query's step, when the data came from one.
    public var step: Int64 = 0

    public init() {}

    public init(series: [LabeledSeries], start: Timestamp, end: Timestamp) {
        self.series = series
        self.start = start
        self.end = end
    }

    public init(values: [LabeledValue], at time: Timestamp) {
        self.values = values
        self.start = time
        self.end = time
    }

    public init(error: String) { self.error = error }
}

/// The time window a dashboard shows, and the step its graphs are drawn at.
public struct TimeWindow: Sendable, Hashable {
    public var end: Timestamp
    public var range: Int64

    public init(end: Timestamp, range: Int64) {
        self.end = end
        self.range = range
    }

    public var start: Timestamp { end - range }

    /// About one point per braille dot column of a wide graph (2 per cell over
    /// ~120 cells), rounded to whole seconds, never under a second.
    public var step: Int64 {
        let raw = range / 240
        return max(1000, raw / 1000 * 1000)
    }

    /// The steps the range widens and narrows through with `+` and `-`.
    public static let ranges: [Int64] = [
        300_000, 900_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000, 172_800_000,
        604_800_000, 2_592_000_000,
    ]

    /// The next wider (+1) or narrower (-1) range from the list.
    public static func adjacent(to range: Int64, direction: Int) -> Int64 {
        if direction > 0 { return ranges.first { $0 > range } ?? range }
        return ranges.last { $0 < range } ?? range
    }
}
