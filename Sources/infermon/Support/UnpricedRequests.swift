import InfermonCore
import LLMOps

/// Requests left without a cost, by model, as `infermon stats` shows them: the
/// spend the cost counters are missing, which a $0 would have hidden.
func unpricedRequests(_ querier: any SeriesQuerier) throws -> [(model: String, requests: Double)] {
    // All time: the counters are few (one per model) and their samples are kept for the samples' retention.
    let series = try querier.select(
        [.equal(Labels.metricName, LLMOpsMetrics.unpricedRequests)], from: 0, through: Int64.max / 2)
    return series.compactMap { one in
        one.samples.last.map { (model: one.labels["model"] ?? "", requests: $0.value) }
    }
    .filter { $0.requests > 0 }
    .sorted { $0.requests > $1.requests }
}

func printUnpriced(_ unpriced: [(model: String, requests: Double)]) {
    let total = unpriced.reduce(0) { $0 + $1.requests }
    print("unpriced:       \(Int64(total)) requests (no reported cost and no price in the table)")
    for entry in unpriced { print("  \(entry.model): \(Int64(entry.requests))") }
}
