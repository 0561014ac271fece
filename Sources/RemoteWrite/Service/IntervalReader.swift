import InfermonCore

/// Reads the samples of a span of closed intervals from the store's series,
/// as the query layer sees them, so a receiver evaluating PromQL over what was
/// sent answers what infermon's own PromQL answers.
///
/// Event-derived counters and histograms are kept on the rollup grid (each
/// interval's total at its end, the zero at a series' first interval); the
/// sample the store shows for the interval still open at the end of a read is
/// left out, since its value will still grow. Per-event families (one sample
/// per request, for exact `quantile_over_time`) are not sent: receivers get the
/// histograms instead. Named series (recording rules, detector scores, scraped
/// metrics, `ALERTS`) go out with their stored samples as they are.
struct IntervalReader: Sendable {
    let querier: any SeriesQuerier
    /// The store's rollup interval.
    let step: Int64

    static let gridFamilies: Set<String> = [
        EventMetrics.requestsTotal, EventMetrics.tokensTotal, EventMetrics.costTotal,
        EventMetrics.requestDuration + "_bucket", EventMetrics.requestDuration + "_sum",
        EventMetrics.requestDuration + "_count", EventMetrics.timeToFirstToken + "_bucket",
        EventMetrics.timeToFirstToken + "_sum", EventMetrics.timeToFirstToken + "_count",
    ]

    static let perEventFamilies = [
        EventMetrics.requestDuration, EventMetrics.timeToFirstToken, EventMetrics.requestInputTokens,
        EventMetrics.requestOutputTokens,
    ]

    /// Samples stamped in `from..<until`, series in label order, samples in time order.
    func read(from: Timestamp, until: Timestamp) throws -> [Series] {
        guard until > from else { return [] }
        let matchers = [
            try LabelMatcher(Labels.metricName, .matchRegex, ".+"),
            try LabelMatcher(Labels.metricName, .notMatchRegex, Self.perEventFamilies.joined(separator: "|")),
        ]
        var result: [Series] = []
        for var series in try querier.select(matchers, from: from, through: until - 1) {
            if let name = series.labels.name, Self.gridFamilies.contains(name) {
                series.samples.removeAll { floorDivide($0.timestamp, step) * step != $0.timestamp }
            }
            series.samples.removeAll { $0.timestamp < from || $0.timestamp >= until }
            if !series.samples.isEmpty { result.append(series) }
        }
        return result
    }
}
