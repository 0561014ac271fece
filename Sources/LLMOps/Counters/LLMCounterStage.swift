import InfermonCore
import Synchronization

/// The ingest stage that keeps the counters the store's rollups do not have:
///
/// - `infermon_cost_unpriced_requests_total{model}`: events still without a cost,
///   so it must run after `PricingStage`;
/// - `infermon_finish_reasons_total{model,route,tenant,finish_reason}`, the
///   basis of the runaway-generation signal (`finish_reason="length"`);
/// - `infermon_slo_events_total{slo,result="good|bad"}`, an exact count of good
///   and bad requests per SLO. Latency thresholds such as 2 s are not histogram
///   bucket bounds, so the histograms could only approximate them.
///
/// Counts can only run ahead of the stored events, never behind: a batch whose
/// write fails after this stage ran is counted again when the collector retries
/// it. Pushed batches (`deduplicateByRequestID`) may repeat requests a client
/// re-sent; their request ids are remembered (the last `duplicateMemory` ids) so
/// a repeat seen by the same process is not counted twice.
public final class LLMCounterStage: IngestStage {
    public let slos: [ServiceLevelObjective]
    public let counters: StageCounters
    private let sloLabels: [(good: Labels, bad: Labels)]
    private let reasons: Mutex<FinishReasonNames>
    private let recentRequests: Mutex<RecentRequestIDs>

    public init(slos: [ServiceLevelObjective], counters: StageCounters = StageCounters(), duplicateMemory: Int = 50_000)
    {
        self.slos = slos
        self.counters = counters
        sloLabels = slos.map { slo in
            let base = Labels([Label(Labels.metricName, LLMOpsMetrics.sloEvents), Label("slo", slo.name)])
            return (base.setting("result", to: "good"), base.setting("result", to: "bad"))
        }
        reasons = Mutex(FinishReasonNames())
        recentRequests = Mutex(RecentRequestIDs(capacity: duplicateMemory))
    }

    public func process(_ batch: inout IngestBatch) async throws {
        guard !batch.events.isEmpty else { return }
        var increments: [CounterIncrement] = []
        increments.reserveCapacity(batch.events.count)
        var selected: [EventKey: [Int]] = [:]
        var unpricedLabels: [String: Labels] = [:]
        var finishLabels: [FinishKey: Labels] = [:]
        let skip = batch.deduplicateByRequestID ? repeatedRequests(in: batch.events) : []
        for (position, event) in batch.events.enumerated() where !skip.contains(position) {
            if event.cost == nil {
                let labels = unpricedLabels[event.model] ?? Self.unpricedLabels(model: event.model)
                unpricedLabels[event.model] = labels
                increments.append(CounterIncrement(labels: labels, timestamp: event.timestamp))
            }
            if let raw = event.finishReason, !raw.isEmpty {
                let reason = reasons.withLock { $0.normalize(raw) }
                let key = FinishKey(model: event.model, route: event.route, tenant: event.tenant, reason: reason)
                let labels = finishLabels[key] ?? key.labels
                finishLabels[key] = labels
                increments.append(CounterIncrement(labels: labels, timestamp: event.timestamp))
            }
            guard !slos.isEmpty else { continue }
            let key = event.key
            let indices = selected[key] ?? slos.indices.filter { slos[$0].selects(key) }
            selected[key] = indices
            for index in indices {
                guard let good = slos[index].classify(event) else { continue }
                let pair = sloLabels[index]
                increments.append(CounterIncrement(labels: pair.good, timestamp: event.timestamp, amount: good ? 1 : 0))
                increments.append(CounterIncrement(labels: pair.bad, timestamp: event.timestamp, amount: good ? 0 : 1))
            }
        }
        batch.samples += counters.record(increments)
    }

    /// Positions of events whose request id this process has already counted.
    private func repeatedRequests(in events: [InferenceEvent]) -> Set<Int> {
        recentRequests.withLock { memory in
            var repeated: Set<Int> = []
            for (position, event) in events.enumerated() {
                if let id = event.requestID, !memory.insert(id) { repeated.insert(position) }
            }
            return repeated
        }
    }

    static func unpricedLabels(model: String) -> Labels {
        Labels([Label(Labels.metricName, LLMOpsMetrics.unpricedRequests), Label("model", model)])
    }
}

private struct FinishKey: Hashable {
    var model: String
    var route: String
    var tenant: String
    var reason: String

    var labels: Labels {
        Labels([
            Label(Labels.metricName, LLMOpsMetrics.finishReasons), Label("model", model), Label("route", route),
            Label("tenant", tenant), Label("finish_reason", reason),
        ])
    }
}

/// A bounded first-in-first-out memory of request ids.
struct RecentRequestIDs {
    private var members: Set<String> = []
    private var order: [String] = []
    private var next = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Remembers `id`; false when it was already remembered.
    mutating func insert(_ id: String) -> Bool {
        guard members.insert(id).inserted else { return false }
        if order.count < capacity {
            order.append(id)
        } else {
            members.remove(order[next])
            order[next] = id
            next = (next + 1) % capacity
        }
        return true
    }
}
