import InfermonCore
import InfermonTesting
import LLMOps
import Store
import Testing

/// Time per output token and the per-model, per-route signals read from the
/// store's sketches and counters.
@Suite("LLM signals")
struct SignalsTests {
    static let t0 = Time.date(2030, 1, 7, hour: 9)

    @Test func timePerOutputTokenIsForStreamingRequestsOnly() {
        // Streaming: (2.0 − 0.5) / (31 − 1) = 0.05 s per token after the first.
        let streaming = event(at: Self.t0, latency: 2.0, ttft: 0.5, completion: 31, streamed: true)
        #expect(abs(timePerOutputToken(streaming)! - 0.05) < 1e-12)
        // Streaming flag unknown but a first-token time given: still a stream.
        #expect(timePerOutputToken(event(at: Self.t0, latency: 1.1, ttft: 0.1, completion: 11)) != nil)
        // Non-streaming: no first token before the whole answer, so no TPOT; in
        // particular not the 0 that TTFT = latency would give.
        #expect(timePerOutputToken(event(at: Self.t0, latency: 2.0, ttft: 2.0, completion: 31, streamed: false)) == nil)
        #expect(timePerOutputToken(event(at: Self.t0, latency: 2.0, completion: 31, streamed: false)) == nil)
        // One token has no "per token after the first".
        #expect(timePerOutputToken(event(at: Self.t0, latency: 2.0, ttft: 0.5, completion: 1)) == nil)
    }

    @Test func quantilesAndRatiosByModelAndRouteFromTheStore() async throws {
        let fixture = try StoreFixture(now: Self.t0 + 10 * Time.minute, stages: [LLMCounterStage(slos: [])])
        var events: [InferenceEvent] = []
        // gpt-4o on chat: 100 streaming requests with TPOT 10 ms … 1 s and 100 completion tokens;
        // every 10th cut off at the limit; 1,000 prompt tokens of which 250 cached.
        for index in 0..<100 {
            let tpot = Double(index + 1) / 100
            events.append(
                event(
                    at: Self.t0 + Int64(index) * 1_000, latency: 0.2 + tpot * 99, ttft: 0.2, prompt: 1000, cached: 250,
                    completion: 100, finishReason: index % 10 == 9 ? "length" : "stop", streamed: true))
        }
        // gpt-4o on embeddings, non-streaming: no TTFT or TPOT there.
        for index in 0..<20 {
            events.append(
                event(
                    at: Self.t0 + Int64(index) * 1_000, route: "/v1/embeddings", latency: 0.05, prompt: 10,
                    completion: 0,
                    streamed: false))
        }
        try await fixture.ingest(events)
        let evaluator = SignalsEvaluator(
            sketches: fixture.store, querier: fixture.store, options: .init(window: .seconds(5 * 60)))
        let report = try evaluator.report(at: Self.t0 + 5 * Time.minute)
        let chat = try #require(report.first { $0.route == "/v1/chat/completions" })
        let embeddings = try #require(report.first { $0.route == "/v1/embeddings" })
        // Exact p50 of TPOT 0.01 … 1.00 at rank 0.5 × 99 = 49.5 → 0.50 or 0.51; sketches are within 0.5%.
        let p50 = try #require(chat.timePerOutputToken[0.5])
        #expect(p50 > 0.50 * 0.995 && p50 < 0.51 * 1.005)
        let p99 = try #require(chat.timePerOutputToken[0.99])
        #expect(abs(p99 - 0.99) / 0.99 < 0.006)
        #expect(abs(chat.completionTokens[0.5]! - 100) / 100 < 0.006)
        #expect(abs(chat.timeToFirstToken[0.9]! - 0.2) / 0.2 < 0.006)
        #expect(chat.lengthRatio == 0.1)
        #expect(chat.cacheHitRatio == 0.25)
        #expect(embeddings.timePerOutputToken.isEmpty && embeddings.timeToFirstToken.isEmpty)
        #expect(embeddings.lengthRatio == nil)
        #expect(embeddings.cacheHitRatio == 0)

        let samples = try evaluator.evaluate(at: Self.t0 + 5 * Time.minute)
        let length = samples.first {
            $0.labels.name == LLMOpsMetrics.finishLengthRatio && $0.labels["route"] == "/v1/chat/completions"
        }
        #expect(length?.sample.value == 0.1)
        #expect(
            samples.contains {
                $0.labels.name == LLMOpsMetrics.latencyQuantile && $0.labels["kind"] == "tpot"
                    && $0.labels["quantile"] == "0.99"
            })
        // Ten minutes later the window is empty: the quantile series are marked stale, not left at old values.
        let later = try evaluator.evaluate(at: Self.t0 + 20 * Time.minute)
        #expect(later.contains { $0.labels.name == LLMOpsMetrics.latencyQuantile && $0.sample.isStaleMarker })
    }
}
