public import InfermonCore
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
/// A batch whose write fails after this stage ran is taken back
/// (`batchNotStored`), so the retry is counted once. Pushed batches (`deduplicateByRequestID`) may repeat requests a client
/// re-sent; their request ids are remembered (the last `duplicateMemory` ids) so
/// a repeat seen by the same process is not counted twice.
public final class LLMCounterStage: IngestStage {
    public let slos: [ServiceLevelObjective]
    public let counters: StageCounters
    private let sloLabels: [(good: Labels, bad: Labels)]
    private let reasons: Mutex<FinishReasonNames>
    private let recentRequests: Mutex<RecentRequestIDs>
    /// Request ids the last batch added to `recentRequests`, forgotten if it is not stored.
    private let lastBatchIDs = Mutex<[String]>([])

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
        // Nothing of an earlier, stored batch may be taken back for this one.
        lastBatchIDs.withLock { $0 = [] }
        counters.forgetLastRecord()
        guard !batch.events.isEmpty else { return }
        let skip = batch.deduplicateByRequestID ? repeatedRequests(in: batch.events) : []
        // Counts are first added up per batch under small integer keys (hashing a
        // label set for every event would cost more than the rest of ingestion),
        // then turned into one increment per series and minute.
        var tally = BatchTally()
        batch.events.withUnsafeBufferPointer { events in
            for position in events.indices where skip.isEmpty || !skip.contains(position) {
                let timestamp = events[position].timestamp
                let bucket = floorDivide(timestamp, StageCounters.resolution)
                let key = tally.keyIndex(events[position].key, slos: slos)
                if events[position].cost == nil { tally.unpriced.add(Pair(key, 0, bucket), at: timestamp) }
                if let raw = events[position].finishReason, !raw.isEmpty {
                    let reason = tally.reasonIndex(raw) { raw in reasons.withLock { $0.normalize(raw) } }
                    tally.finish.add(Pair(key, reason, bucket), at: timestamp)
                }
                for slo in tally.keys[key].slos {
                    guard
                        let good = slos[slo].classify(
                            status: events[position].status, latency: events[position].latency,
                            timeToFirstToken: events[position].timeToFirstToken)
                    else { continue }
                    tally.slo.add(Pair(slo, good ? 1 : 0, bucket), at: timestamp)
                }
            }
        }
        batch.samples += counters.record(increments(from: tally))
    }

    private func increments(from tally: BatchTally) -> [CounterIncrement] {
        var out: [CounterIncrement] = []
        var unpricedLabels: [String: Labels] = [:]
        for (pair, count) in tally.unpriced.counts {
            let model = tally.keys[pair.first].key.model
            let labels = unpricedLabels[model] ?? Self.unpricedLabels(model: model)
            unpricedLabels[model] = labels
            out.append(CounterIncrement(labels: labels, timestamp: count.newest, amount: count.amount))
        }
        var finishLabels: [FinishKey: Labels] = [:]
        for (pair, count) in tally.finish.counts {
            let key = tally.keys[pair.first].key
            let finish = FinishKey(
                model: key.model, route: key.route, tenant: key.tenant, reason: tally.reasonNames[pair.second])
            let labels = finishLabels[finish] ?? finish.labels
            finishLabels[finish] = labels
            out.append(CounterIncrement(labels: labels, timestamp: count.newest, amount: count.amount))
        }
        // Good and bad of an SLO are sampled together, so ratios of their rates exist.
        var sloCounts: [Pair: (good: Double, bad: Double, newest: Timestamp)] = [:]
        for (pair, count) in tally.slo.counts {
            let both = Pair(pair.first, 0, pair.bucket)
            var current = sloCounts[both] ?? (0, 0, .min)
            if pair.second == 1 { current.good += count.amount } else { current.bad += count.amount }
            current.newest = max(current.newest, count.newest)
            sloCounts[both] = current
        }
        for (pair, count) in sloCounts {
            let labels = sloLabels[pair.first]
            out.append(CounterIncrement(labels: labels.good, timestamp: count.newest, amount: count.good))
            out.append(CounterIncrement(labels: labels.bad, timestamp: count.newest, amount: count.bad))
        }
        return out
    }

    /// Positions of events whose request id this process has already counted.
    private func repeatedRequests(in events: [InferenceEvent]) -> Set<Int> {
        var added: [String] = []
        let repeated = recentRequests.withLock { memory in
            var repeated: Set<Int> = []
            for (position, event) in events.enumerated() {
                guard let id = event.requestID else { continue }
                if memory.insert(id) { added.append(id) } else { repeated.insert(position) }
            }
            return repeated
        }
        lastBatchIDs.withLock { $0 = added }
        return repeated
    }

    public func batchNotStored() async {
        counters.undoLastRecord()
        let added = lastBatchIDs.withLock { ids in
            defer { ids = [] }
            return ids
        }
        recentRequests.withLock { memory in memory.forget(added) }
    }

    static func unpricedLabels(model: String) -> Labels {
        Labels([Label(Labels.metricName, LLMOpsMetrics.unpricedRequests), Label("model", model)])
    }
}

/// Two small integers and a minute: the per-batch key of a count.
private struct Pair: Hashable {
    var first: Int
    var second: Int
    var bucket: Int64

    init(_ first: Int, _ second: Int, _ bucket: Int64) {
        self.first = first
        self.second = second
        self.bucket = bucket
    }
}

private struct Tally {
    var counts: [Pair: (amount: Double, newest: Timestamp)] = [:]

    mutating func add(_ pair: Pair, at timestamp: Timestamp) {
        let current = counts[pair] ?? (0, .min)
        counts[pair] = (current.amount + 1, max(current.newest, timestamp))
    }
}

/// One batch's counts, with the label sets and finish reasons it met numbered.
private struct BatchTally {
    var keys: [(key: EventKey, slos: [Int])] = []
    var keyIndices: [EventKey: Int] = [:]
    var reasonNames: [String] = []
    var reasonIndices: [String: Int] = [:]
    var unpriced = Tally()
    var finish = Tally()
    /// `second` is 1 for good, 0 for bad.
    var slo = Tally()

    mutating func keyIndex(_ key: EventKey, slos: [ServiceLevelObjective]) -> Int {
        if let index = keyIndices[key] { return index }
        keys.append((key, slos.indices.filter { slos[$0].selects(key) }))
        keyIndices[key] = keys.count - 1
        return keys.count - 1
    }

    mutating func reasonIndex(_ raw: String, normalize: (String) -> String) -> Int {
        if let index = reasonIndices[raw] { return index }
        let name = normalize(raw)
        let index = reasonNames.firstIndex(of: name) ?? reasonNames.count
        if index == reasonNames.count { reasonNames.append(name) }
        reasonIndices[raw] = index
        return index
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

    /// Forgets ids remembered by a batch that was not stored; their slots in
    /// `order` age out as usual (removing a forgotten id again is harmless).
    mutating func forget(_ ids: [String]) {
        for id in ids { members.remove(id) }
    }

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
