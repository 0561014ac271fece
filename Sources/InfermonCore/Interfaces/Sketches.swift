/// The per-interval quantile sketches of one label set, for exact-within-α quantiles
/// over any window (merging sketches is exact, unlike averaging quantiles).
public struct SketchSeries: Sendable {
    public var labels: Labels
    /// (end of the rollup interval, that interval's sketch), in time order.
    public var points: [(timestamp: Timestamp, sketch: QuantileSketch)]

    public init(labels: Labels, points: [(timestamp: Timestamp, sketch: QuantileSketch)]) {
        self.labels = labels
        self.points = points
    }
}

/// Read access to the rollups' sketches. Metric names are the base names of the
/// event-derived distributions (`infermon_request_duration_seconds`, …).
public protocol SketchQuerier: Sendable {
    func sketches(_ matchers: [LabelMatcher], from: Timestamp, through: Timestamp) throws -> [SketchSeries]
}

extension EventMetrics {
    /// Distributions kept as sketches in every rollup, by metric name.
    public static let sketchedDistributions: [String] = [
        requestDuration, timeToFirstToken, timePerOutputToken, requestInputTokens, requestOutputTokens,
    ]
    /// Per-request token counts, as raw and sketched distributions.
    public static let requestInputTokens = "infermon_request_input_tokens"
    public static let requestOutputTokens = "infermon_request_output_tokens"
}
