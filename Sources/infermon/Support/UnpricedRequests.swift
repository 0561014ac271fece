import InfermonCore
import LLMOps

/// Requests left without a cost, by model, as `infermon stats` shows them: the
/// spend the cost counters are missing, which a $0 would have hidden.
func unpricedRequests(_ querier: any SeriesQuerier) throws -> [(model: String, requests: Double)] {
    // All time: the counters are few (one per model) and their samples are kept for the samples' retention.
    let series = try querier.select(
        [.equal(Labels.metricName, LLMOpsMetrics.unpricedRequests)], from: 0, through: Int64.max / 2)
    // On PostgreSQL each daemon keeps its own series (label `instance`): a model's count is their sum.
    var byModel: [String: Double] = [:]
    for one in series {
        guard let last = one.samples.last(where: { !$0.isStaleMarker }) else { continue }
        byModel[one.labels["model"] ?? "", default: 0] += last.value
    }
    return byModel.map { (model: $0.key, requests: $0.value) }
        .filter { $0.requests > 0 }
        .sorted { ($0.requests, $1.model) > ($1.requests, $0.model) }
}

func printUnpriced(_ unpriced: [(model: String, requests: Double)]) {
    let total = unpriced.reduce(0) { $0 + $1.requests }
    print("unpriced:       \(Int64(total)) requests (no reported cost and no price in the table)")
    for entry in unpriced { print("  \(entry.model): \(Int64(entry.requests))") }
}
