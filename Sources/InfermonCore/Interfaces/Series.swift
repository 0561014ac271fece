/// The read side every query consumer (PromQL, rules, detectors, dashboards)
/// uses. A store answers it from raw events, rollups and stored samples alike.
public protocol SeriesQuerier: Sendable {
    /// Every series matching all `matchers`, with its samples in `from...through`
    /// (epoch milliseconds, both inclusive), samples in time order.
    func select(_ matchers: [LabelMatcher], from: Timestamp, through: Timestamp) throws -> [Series]

    /// The identities of matching series that have samples in the range, without
    /// reading samples; what `/api/v1/series` and `/api/v1/labels` need.
    func labelSets(_ matchers: [LabelMatcher], from: Timestamp, through: Timestamp) throws -> [Labels]
}

/// Where derived series go: scraped metrics, detector scores, recording rules, ALERTS.
public protocol SampleAppender: Sendable {
    /// Appends samples; each entry's labels include `__name__`. Durable on return.
    func append(_ samples: [(labels: Labels, sample: Sample)]) async throws
}
