public import InfermonCore
import Synchronization

/// The ingest stage that fills in `cost` from the price table for every event
/// whose source did not report one. A reported cost always wins (it knows about
/// discounts, batch pricing and credits the table cannot). Each event is priced
/// at the prices in force at its own timestamp, so a price change applies from
/// its date and spend already stored is never repriced.
///
/// Events left without a cost (no price for their model at that time) keep
/// `cost == nil`: they are never costed at $0. `LLMCounterStage`, placed after
/// this stage, counts them in `infermon_cost_unpriced_requests_total{model}`.
public final class PricingStage: IngestStage {
    public let table: PriceTable
    /// Model name to table row, because matching regexes for every event would
    /// cost more than the rest of ingestion.
    private let rows: Mutex<[String: Int?]>
    private static let cacheLimit = 10_000

    /// Each row's prices, in time order, looked up without copying the row.
    private let periods: [[PricePeriod]]

    public init(table: PriceTable) {
        self.table = table
        periods = table.entries.map(\.periods)
        rows = Mutex([:])
    }

    public func process(_ batch: inout IngestBatch) async throws {
        guard !table.isEmpty else { return }
        var resolved: [String: Int?] = [:]
        batch.events.withUnsafeMutableBufferPointer { events in
            for index in events.indices where events[index].cost == nil {
                let model = events[index].model
                let row: Int?
                if let known = resolved[model] {
                    row = known
                } else {
                    row = entryIndex(forModel: model)
                    resolved[model] = row
                }
                guard let row,
                    let period = periods[row].last(where: { ($0.effectiveFrom ?? .min) <= events[index].timestamp })
                else { continue }
                events[index].cost = period.cost(of: Self.usage(of: events[index])).totalUSD
            }
        }
    }

    /// The event's token counts; missing counts are zero, so a failed request
    /// that used no tokens costs nothing rather than being unpriced.
    public static func usage(of event: InferenceEvent) -> TokenUsage {
        TokenUsage(
            prompt: event.promptTokens ?? 0, cached: event.cachedTokens ?? 0, cacheWrite: event.cacheWriteTokens ?? 0,
            completion: event.completionTokens ?? 0, reasoning: event.reasoningTokens ?? 0)
    }

    private func entryIndex(forModel model: String) -> Int? {
        if let cached = rows.withLock({ $0[model] }) { return cached }
        let found = table.entryIndex(forModel: model)
        rows.withLock { rows in
            if rows.count >= Self.cacheLimit { rows.removeAll(keepingCapacity: true) }
            rows[model] = .some(found)
        }
        return found
    }
}
