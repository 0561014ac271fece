import InfermonCore
import InfermonTesting
import LLMOps
import Logging
import Store
import Testing

/// A real SQLite store in a temporary directory, on a clock the test moves,
/// with the LLMOps ingest stages in front of it.
final class StoreFixture: @unchecked Sendable {
    let directory: TemporaryDirectory
    let clock: ManualClock
    var store: SQLiteStore
    var stages: [any IngestStage]

    init(now: Timestamp, stages: [any IngestStage] = []) throws {
        directory = try TemporaryDirectory(prefix: "infermon-llmops")
        clock = ManualClock(now: now)
        store = try SQLiteStore(path: directory.file("store.db"), clock: clock, logger: Logger(label: "test"))
        self.stages = stages
    }

    /// Runs the stages over one batch and writes it, as a collector's `StagedSink` would.
    @discardableResult
    func ingest(_ events: [InferenceEvent], deduplicate: Bool = false) async throws -> IngestBatch {
        var batch = IngestBatch(events: events)
        batch.deduplicateByRequestID = deduplicate
        for stage in stages { try await stage.process(&batch) }
        try await store.write(batch)
        return batch
    }

    /// Closes and reopens the store, as a restarted daemon would.
    func reopen() throws {
        store.close()
        store = try SQLiteStore(path: directory.file("store.db"), clock: clock, logger: Logger(label: "test"))
    }
}

enum Time {
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    /// Midnight UTC of a civil date.
    static func date(_ year: Int, _ month: Int, _ day: Int, hour: Int = 0, minute: Int = 0) -> Timestamp {
        Int64(TimeParsing.daysFromCivil(year: year, month: month, day: day)) * Self.day + Int64(hour) * Self.hour
            + Int64(minute) * Self.minute
    }
}

func event(
    at timestamp: Timestamp, model: String = "gpt-4o", route: String = "/v1/chat/completions", tenant: String = "acme",
    status: EventStatus = .ok, latency: Double? = 1.0, ttft: Double? = nil, prompt: Int? = nil, cached: Int? = nil,
    completion: Int? = nil, reasoning: Int? = nil, cost: Double? = nil, finishReason: String? = nil,
    streamed: Bool? = nil, requestID: String? = nil
) -> InferenceEvent {
    InferenceEvent(
        timestamp: timestamp, requestID: requestID, model: model, route: route, tenant: tenant, status: status,
        latency: latency, timeToFirstToken: ttft, promptTokens: prompt, completionTokens: completion,
        cachedTokens: cached, reasoningTokens: reasoning, cost: cost, finishReason: finishReason, streamed: streamed)
}

/// The last stored value of every series of `metric`, keyed by its labels without the name.
func lastValues(_ querier: any SeriesQuerier, _ metric: String, through: Timestamp) throws -> [Labels: Double] {
    var out: [Labels: Double] = [:]
    for series in try querier.select([.equal(Labels.metricName, metric)], from: 0, through: through) {
        if let last = series.samples.last { out[series.labels.withoutName] = last.value }
    }
    return out
}
