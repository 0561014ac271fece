/// One event key's counters at their newest sample: every value `/metrics`
/// exposes for the key, read together. Going through `SeriesQuerier` instead
/// builds a `Labels` and a `Series` for each of the key's 42 series and sorts
/// them by text, which at 10,000 keys took longer than a scrape may.
public struct LatestEventCounters: Sendable, Equatable {
    /// The key's labels, without a metric name.
    public var labels: Labels
    public var requests: Double
    /// Cumulative over `le`: one per bound of `EventMetrics.durationBuckets`, then `+Inf`.
    public var latencyBuckets: [Double]
    public var latencySum: Double
    public var latencyCount: Double
    /// Cumulative over `le`: one per bound of `EventMetrics.timeToFirstTokenBuckets`, then `+Inf`.
    public var ttftBuckets: [Double]
    public var ttftSum: Double
    public var ttftCount: Double
    /// One per `EventMetrics.TokenType.allCases`, in that order.
    public var tokens: [Double]
    public var cost: Double

    public init(
        labels: Labels, requests: Double, latencyBuckets: [Double], latencySum: Double, latencyCount: Double,
        ttftBuckets: [Double], ttftSum: Double, ttftCount: Double, tokens: [Double], cost: Double
    ) {
        self.labels = labels
        self.requests = requests
        self.latencyBuckets = latencyBuckets
        self.latencySum = latencySum
        self.latencyCount = latencyCount
        self.ttftBuckets = ttftBuckets
        self.ttftSum = ttftSum
        self.ttftCount = ttftCount
        self.tokens = tokens
        self.cost = cost
    }
}

/// A store that can hand over each event key's newest counters in one pass.
/// Optional: `/metrics` falls back to `SeriesQuerier` for a store without it.
public protocol LatestEventCountersReader: Sendable {
    /// For each event key with a counter sample in `from...through`, the values
    /// of its newest one: what the last sample of each of its series in
    /// `SeriesQuerier.select` over the same range holds. Keys come in the order
    /// of their labels.
    func forEachLatestEventCounters(
        from: Timestamp, through: Timestamp, _ body: (LatestEventCounters) throws -> Void
    ) throws
}
