/// The read side every query consumer (PromQL, rules, detectors, dashboards)
/// uses. A store answers it from raw events, rollups and stored samples alike.
public protocol SeriesQuerier: Sendable {
    /// Every series matching all `matchers`, with its samples in `from...through`
    /// (epoch milliseconds, both inclusive), samples in time order.
    func select(_ matchers: [LabelMatcher], from: Timestamp, through: Timestamp) throws -> [Series]

    /// The identities of matching series that have samples in the range, without
    /// reading samples; what `/api/v1/series` and `/api/v1/labels` need.
    func labelSets(_ matchers: [LabelMatcher], from: Timestamp, through: Timestamp) throws -> [Labels]

    /// What `select` answers, handed to `body` a group at a time (a store hands
    /// over each label set's series together), so a reader of every series, such
    /// as `/metrics`, holds one group instead of all of them. Groups come in no
    /// promised order; the default is one group, `select`'s answer.
    func forEachSeriesGroup(
        _ matchers: [LabelMatcher], from: Timestamp, through: Timestamp, _ body: ([Series]) throws -> Void
    ) throws
}

extension SeriesQuerier {
    public func forEachSeriesGroup(
        _ matchers: [LabelMatcher], from: Timestamp, through: Timestamp, _ body: ([Series]) throws -> Void
    ) throws {
        let series = try select(matchers, from: from, through: through)
        if !series.isEmpty { try body(series) }
    }
}

/// Where derived series go: scraped metrics, detector scores, recording rules, ALERTS.
public protocol SampleAppender: Sendable {
    /// Appends samples; each entry's labels include `__name__`. Durable on return.
    func append(_ samples: [(labels: Labels, sample: Sample)]) async throws
}
