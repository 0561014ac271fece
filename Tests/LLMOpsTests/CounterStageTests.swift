import InfermonCore
import InfermonTesting
import LLMOps
import Store
import Testing

/// The counters the ingest stage keeps: how they are sampled, restored after a
/// restart, and what they count.
@Suite("Counter stage")
struct CounterStageTests {
    static let t0 = Time.date(2030, 1, 7)

    static let availability = ServiceLevelObjective(name: "availability", indicator: .availability, objective: 0.99)
    static let latency = ServiceLevelObjective(
        name: "chat-latency", indicator: .latency(threshold: 2), objective: 0.99,
        selector: [.equal("route", "/v1/chat/completions")])
    static let ttft = ServiceLevelObjective(
        name: "ttft", indicator: .timeToFirstToken(threshold: 0.5), objective: 0.99)

    @Test func sloEventsAreClassifiedExactlyIncludingThresholdsBetweenBucketBounds() async throws {
        let stage = LLMCounterStage(slos: [Self.availability, Self.latency, Self.ttft])
        let events = [
            event(at: Self.t0, latency: 2.0, ttft: 0.5),  // at both thresholds: good (inclusive)
            // Just over: bad, though 2 and 2.001 fall in the same histogram bucket (1.28, 2.56].
            event(at: Self.t0 + 1, latency: 2.001, ttft: 0.501),
            // Bad for availability; the latency SLO does not count errors.
            event(at: Self.t0 + 2, status: .error, latency: 0.1),
            event(at: Self.t0 + 3, status: .timeout, latency: 30),  // bad for availability and latency
            event(at: Self.t0 + 4, status: .canceled, latency: 5),  // counted by none
            event(at: Self.t0 + 5, route: "/v1/embeddings", latency: 9),  // outside the latency SLO's selector
        ]
        var batch = IngestBatch(events: events)
        try await stage.process(&batch)
        var values: [String: Double] = [:]
        for (labels, sample) in batch.samples where labels.name == LLMOpsMetrics.sloEvents {
            values["\(labels["slo"]!)/\(labels["result"]!)"] = sample.value
        }
        #expect(values["availability/good"] == 3)
        #expect(values["availability/bad"] == 2)
        #expect(values["chat-latency/good"] == 1)
        #expect(values["chat-latency/bad"] == 2)
        #expect(values["ttft/good"] == 1)
        #expect(values["ttft/bad"] == 1)
    }

    @Test func finishReasonsAreNormalisedAcrossProvidersAndBounded() async throws {
        let stage = LLMCounterStage(slos: [])
        let reasons = ["stop", "length", "max_tokens", "MAX_TOKENS", "end_turn", "tool_use", "SAFETY", "weird"]
        var batch = IngestBatch(
            events: reasons.enumerated().map { event(at: Self.t0 + Int64($0.offset), finishReason: $0.element) })
        try await stage.process(&batch)
        var counts: [String: Double] = [:]
        for (labels, sample) in batch.samples where labels.name == LLMOpsMetrics.finishReasons {
            counts[labels["finish_reason"]!] = sample.value
            #expect(labels["model"] == "gpt-4o" && labels["tenant"] == "acme" && labels["route"] != nil)
        }
        #expect(counts == ["stop": 2, "length": 3, "tool_calls": 1, "content_filter": 1, "weird": 1])
        // Free text in the field cannot grow series without bound.
        var flood = IngestBatch(events: (0..<40).map { event(at: Self.t0 + 100, finishReason: "reason-\($0)") })
        try await stage.process(&flood)
        let names = Set(flood.samples.compactMap { $0.labels["finish_reason"] })
        #expect(names.contains("other") && names.count <= 17)
    }

    @Test func samplesCarryEventTimeOnePerMinuteAndOnlyMoveForward() {
        let counters = StageCounters()
        let labels = Labels(name: "x_total")
        let samples = counters.record([
            CounterIncrement(labels: labels, timestamp: Self.t0 + 10_000),
            CounterIncrement(labels: labels, timestamp: Self.t0 + 50_000),
            CounterIncrement(labels: labels, timestamp: Self.t0 + 70_000),
            CounterIncrement(labels: labels, timestamp: Self.t0 + 20_000, amount: 2),
        ])
        // One sample per minute at that minute's newest event; the value at the minute boundary is exact.
        #expect(samples.map(\.sample) == [Sample(Self.t0 + 50_000, 4), Sample(Self.t0 + 70_000, 5)])
        // A late event counts at the series' newest time plus 1 ms, so timestamps never go back.
        let late = counters.record([CounterIncrement(labels: labels, timestamp: Self.t0 + 5_000)])
        #expect(late.map(\.sample) == [Sample(Self.t0 + 70_001, 6)])
    }

    @Test func countersCommitWithTheirEventsAndResumeAfterARestart() async throws {
        let fixture = try StoreFixture(now: Self.t0 + Time.hour)
        fixture.stages = [LLMCounterStage(slos: [Self.availability])]
        try await fixture.ingest([
            event(at: Self.t0, finishReason: "length"), event(at: Self.t0 + 1_000, status: .error),
        ])
        try fixture.reopen()
        let restored = try StageCounters.restore(
            metrics: LLMOpsMetrics.stageCounters, from: fixture.store, now: fixture.clock.now(),
            lookback: .seconds(90 * 86_400)
        )
        #expect(restored.count == 4)  // finish reason, unpriced (no cost), slo good, slo bad
        fixture.stages = [LLMCounterStage(slos: [Self.availability], counters: StageCounters(restored: restored))]
        try await fixture.ingest([event(at: Self.t0 + 2 * Time.minute, status: .error)])
        let values = try lastValues(fixture.store, LLMOpsMetrics.sloEvents, through: Self.t0 + Time.hour)
        #expect(values[Labels(["slo": "availability", "result": "bad"])] == 2)
        #expect(values[Labels(["slo": "availability", "result": "good"])] == 1)
        let unpriced = try lastValues(fixture.store, LLMOpsMetrics.unpricedRequests, through: Self.t0 + Time.hour)
        #expect(unpriced[Labels(["model": "gpt-4o"])] == 3)
    }

    @Test func aRequestPushedTwiceIsCountedOnce() async throws {
        let fixture = try StoreFixture(now: Self.t0 + Time.hour)
        fixture.stages = [LLMCounterStage(slos: [Self.availability])]
        let pushed = [event(at: Self.t0, requestID: "r-1"), event(at: Self.t0 + 1, requestID: "r-2")]
        try await fixture.ingest(pushed, deduplicate: true)
        // The client never saw the answer and sends the same batch again, with one new request.
        try await fixture.ingest(pushed + [event(at: Self.t0 + 2, requestID: "r-3")], deduplicate: true)
        let values = try lastValues(fixture.store, LLMOpsMetrics.sloEvents, through: Self.t0 + Time.hour)
        #expect(values[Labels(["slo": "availability", "result": "good"])] == 3)
        let stored = try fixture.store.select(
            [.equal(Labels.metricName, "infermon_requests_total")], from: 0, through: Self.t0 + Time.hour)
        #expect(stored.first?.samples.last?.value == 3)
    }
}
