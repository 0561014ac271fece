import InfermonCore
import InfermonTesting
import Judge
import Logging
import Testing

/// The judge client against a real HTTP server on 127.0.0.1.
@Suite struct ChatCompletionsJudgeTests {
    static let template = """
        Judge the response. Reply with JSON.
        ---user---
        Context: {{context}}
        Question: {{prompt}}
        Response: {{response}}
        """

    let candidate = JudgeCandidate(
        eventID: 7, requestID: "req-7", timestamp: 1_800_000_000_000, model: "gpt-x", route: "/chat",
        prompt: "Where is the Oberoi head office?", response: "It is in Mumbai.",
        context: "The Oberoi Group has its head office in Delhi.")

    func makeJudge(
        _ server: ChatCompletionsTestServer, clock: ManualClock = ManualClock(),
        configure: (inout LLMJudgeOptions) -> Void = { _ in }
    ) throws -> ChatCompletionsJudge {
        var options = LLMJudgeOptions(
            url: server.url, model: "judge-model", apiKey: "sk-test", promptTemplate: Self.template)
        // Generous: a loaded CI machine can take seconds for a first connection; the
        // tests about timeouts set their own.
        options.timeout = .seconds(10)
        configure(&options)
        let budget = JudgeBudget(
            maxEventsPerHour: options.maxEventsPerHour, maxSpendPerDay: options.maxSpendPerDay, now: clock.now())
        return try ChatCompletionsJudge(
            options: options, budget: budget, clock: clock, jitter: { 0.5 }, logger: Logger(label: "test"))
    }

    @Test func answersAreParsedAndTheRequestIsWellFormed() async throws {
        let server = try await ChatCompletionsTestServer.start(script: [
            .verdict(
                "hallucinated", score: 0.9, reason: "Mumbai is not in the context", promptTokens: 1000,
                completionTokens: 100)
        ])
        defer { server.stop() }
        let judge = try makeJudge(server) {
            $0.inputPricePerMillion = 1
            $0.outputPricePerMillion = 10
        }
        let outcome = await judge.judge(candidate)
        #expect(outcome.verdict == .hallucinated)
        #expect(outcome.score == 0.9)
        #expect(outcome.reason == "Mumbai is not in the context")
        #expect(outcome.status == .judged)
        // 1000 input tokens at $1/M plus 100 output tokens at $10/M.
        #expect(abs(outcome.cost - 0.002) < 1e-12)
        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/v1/chat/completions")
        #expect(request.headers["authorization"] == "Bearer sk-test")
        #expect(request.bodyText.contains("\"model\":\"judge-model\""))
        #expect(request.bodyText.contains("It is in Mumbai."))
        #expect(request.bodyText.contains("head office in Delhi"))
        #expect(request.bodyText.contains("\"temperature\":0"))
    }

    @Test func aHungEndpointTimesOutAsUnknown() async throws {
        let server = try await ChatCompletionsTestServer.start(script: [.hang])
        defer { server.stop() }
        let judge = try makeJudge(server) { $0.timeout = .milliseconds(300) }
        let outcome = await judge.judge(candidate)
        #expect(outcome.verdict == .unknown)
        #expect(outcome.status == .failed)
        #expect(outcome.reason.contains("timed out"))
        // Nothing was retried: a timeout is not a 429/5xx. (On a loaded machine the
        // 300 ms can run out before the server has read the request at all.)
        #expect(server.requestCount <= 1)
    }

    @Test func honoursRetryAfterOn429() async throws {
        let server = try await ChatCompletionsTestServer.start(script: [
            .status(429, retryAfter: "7"), .verdict("supported", score: 0.05, reason: "all stated in context"),
        ])
        defer { server.stop() }
        let clock = ManualClock()
        let judge = try makeJudge(server, clock: clock)
        let candidate = self.candidate
        let task = Task { await judge.judge(candidate) }
        await clock.waitForSleepers(1)
        #expect(server.requestCount == 1)
        clock.advance(by: 6_999)
        #expect(clock.sleeperCount == 1, "must not retry before Retry-After has passed")
        #expect(server.requestCount == 1)
        clock.advance(by: 1)
        let outcome = await task.value
        #expect(outcome.verdict == .supported)
        #expect(server.requestCount == 2)
    }

    @Test func retriesServerErrorsWithExponentialBackoffThenGivesUp() async throws {
        let server = try await ChatCompletionsTestServer.start(fallback: .status(500))
        defer { server.stop() }
        let clock = ManualClock()
        let judge = try makeJudge(server, clock: clock) {
            $0.maxRetries = 3
            $0.initialBackoff = .seconds(1)
            $0.maxBackoff = .seconds(3)
        }
        let candidate = self.candidate
        let task = Task { await judge.judge(candidate) }
        // Equal jitter at 0.5: half the capped exponential delay plus a quarter of it.
        for (attempt, delay) in [750, 1500, 2250].enumerated() {
            await clock.waitForSleepers(1)
            #expect(server.requestCount == attempt + 1)
            clock.advance(by: Int64(delay - 1))
            #expect(clock.sleeperCount == 1, "retry \(attempt) came before its backoff")
            clock.advance(by: 1)
        }
        let outcome = await task.value
        #expect(outcome.verdict == .unknown)
        #expect(outcome.status == .failed)
        #expect(outcome.reason.contains("HTTP 500"))
        #expect(server.requestCount == 4)
    }

    @Test func recoversWhenA5xxIsFollowedByAnAnswer() async throws {
        let server = try await ChatCompletionsTestServer.start(script: [
            .status(503), .verdict("hallucinated", score: 0.8, reason: "wrong city"),
        ])
        defer { server.stop() }
        let clock = ManualClock()
        let judge = try makeJudge(server, clock: clock)
        let candidate = self.candidate
        let task = Task { await judge.judge(candidate) }
        await clock.waitForSleepers(1)
        clock.advance(by: 60_000)
        let outcome = await task.value
        #expect(outcome.verdict == .hallucinated)
        #expect(server.requestCount == 2)
    }

    @Test func aRetryAfterBeyondTheLimitFailsAtOnce() async throws {
        let server = try await ChatCompletionsTestServer.start(script: [.status(429, retryAfter: "3600")])
        defer { server.stop() }
        let judge = try makeJudge(server) { $0.maxRetryAfter = .seconds(60) }
        let outcome = await judge.judge(candidate)
        #expect(outcome.status == .failed)
        #expect(outcome.verdict == .unknown)
        #expect(server.requestCount == 1)
    }

    @Test func clientErrorsAreNotRetried() async throws {
        let server = try await ChatCompletionsTestServer.start(fallback: .status(400))
        defer { server.stop() }
        let outcome = await (try makeJudge(server)).judge(candidate)
        #expect(outcome.status == .failed)
        #expect(server.requestCount == 1)
    }

    @Test(arguments: [
        ChatCompletionsTestServer.Behavior.content("The response is supported."),
        .content("```json\n{\"verdict\":\"supported\",\"score\":0.1,\"reason\":\"ok\"}\n```"),
        .content("{\"verdict\":\"supported\",\"score\":0.1}"),
        .content("{\"verdict\":\"supported\",\"score\":0.1,\"reason\":\"ok\",\"confidence\":1}"),
        .content("{\"verdict\":\"probably fine\",\"score\":0.1,\"reason\":\"ok\"}"),
        .content("{\"verdict\":\"supported\",\"score\":1.5,\"reason\":\"ok\"}"),
        .content("{\"verdict\":\"supported\",\"score\":\"0.1\",\"reason\":\"ok\"}"),
        .content("{\"verdict\":\"supported\",\"score\":0.1,\"reason\":\"ok\""),
        .rawBody("<html>gateway error</html>"),
        .rawBody("{\"choices\":[]}"),
    ])
    func malformedAnswersAreUnknownNeverSupported(_ behavior: ChatCompletionsTestServer.Behavior) async throws {
        let server = try await ChatCompletionsTestServer.start(script: [behavior])
        defer { server.stop() }
        let outcome = await (try makeJudge(server)).judge(candidate)
        #expect(outcome.verdict == .unknown)
        #expect(outcome.status == .failed)
        #expect(server.requestCount == 1)
    }

    @Test func theHourlyEventCapHoldsAndResetsNextHour() async throws {
        let server = try await ChatCompletionsTestServer.start()
        defer { server.stop() }
        let clock = ManualClock(now: 1_800_000_000_000 - 1_800_000_000_000 % 3_600_000)
        let judge = try makeJudge(server, clock: clock) { $0.maxEventsPerHour = 3 }
        var statuses: [JudgeOutcome.Status] = []
        for _ in 0..<5 { statuses.append(await judge.judge(candidate).status) }
        #expect(statuses == [.judged, .judged, .judged, .skipped, .skipped])
        #expect(server.requestCount == 3)
        clock.advance(by: 3_600_000)
        #expect(await judge.judge(candidate).status == .judged)
        #expect(server.requestCount == 4)
    }

    @Test func theDailySpendCapHoldsUnderConcurrency() async throws {
        // Each answer reports 100 + 100 tokens: $0.0011 at $1/M in and $10/M out.
        let server = try await ChatCompletionsTestServer.start(
            fallback: .verdict("supported", score: 0.1, reason: "ok", promptTokens: 100, completionTokens: 100))
        defer { server.stop() }
        let judge = try makeJudge(server) {
            $0.inputPricePerMillion = 1
            $0.outputPricePerMillion = 10
            $0.maxTokens = 100
            $0.maxSpendPerDay = 0.01
            $0.concurrency = 4
            // A request that times out on a loaded machine is retried, and the server counts it twice.
            $0.timeout = .seconds(30)
        }
        let candidate = self.candidate
        let outcomes = await withTaskGroup(of: JudgeOutcome.self) { group in
            for _ in 0..<20 { group.addTask { await judge.judge(candidate) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let judged = outcomes.filter { $0.status == .judged }
        let spent = judged.reduce(0) { $0 + $1.cost }
        #expect(!judged.isEmpty)
        #expect(outcomes.contains { $0.status == .skipped })
        #expect(spent <= 0.01 + 1e-12)
        #expect(server.requestCount == judged.count)
        #expect(judge.budget.usage(now: ManualClock().now()).daySpend <= 0.01 + 1e-12)
    }

    @Test func restoreUsageReadsTheHourAndDayFromTheStore() async throws {
        let server = try await ChatCompletionsTestServer.start()
        defer { server.stop() }
        let clock = ManualClock()
        let judge = try makeJudge(server, clock: clock) {
            $0.maxEventsPerHour = 5
            $0.maxSpendPerDay = 1
        }
        let store = UsageOnlyStore(hour: (5, 0.2), day: (40, 0.7))
        try await judge.restoreUsage(from: store, now: clock.now())
        #expect(
            store.asked.sorted() == [JudgeBudget.dayStart(clock.now()), JudgeBudget.hourStart(clock.now())].sorted())
        #expect(judge.budget.usage(now: clock.now()) == JudgeBudget.Usage(hourCount: 5, daySpend: 0.7))
        #expect(await judge.judge(candidate).status == .skipped)
        #expect(server.requestCount == 0)
    }

    @Test func capsRestoredFromTheStoreCountFromTheStart() async throws {
        let server = try await ChatCompletionsTestServer.start()
        defer { server.stop() }
        let clock = ManualClock()
        var options = LLMJudgeOptions(url: server.url, model: "m", promptTemplate: Self.template)
        options.maxEventsPerHour = 10
        let budget = JudgeBudget(
            maxEventsPerHour: 10, maxSpendPerDay: 5, restored: .init(hourCount: 10, daySpend: 0.5), now: clock.now())
        let judge = try ChatCompletionsJudge(options: options, budget: budget, clock: clock, logger: Logger(label: "t"))
        #expect(await judge.judge(candidate).status == .skipped)
        #expect(server.requestCount == 0)
    }
}

/// Answers only `judgeUsage`, by the window start asked for.
final class UsageOnlyStore: JudgmentStore, @unchecked Sendable {
    let hour: (Int, Double)
    let day: (Int, Double)
    var asked: [Timestamp] = []

    init(hour: (Int, Double), day: (Int, Double)) {
        self.hour = hour
        self.day = day
    }

    func judgeUsage(judge: String, since: Timestamp) async throws -> (count: Int, cost: Double) {
        asked.append(since)
        return since % 86_400_000 == 0 ? day : hour
    }

    func scanEvents(afterEventID: Int64, limit: Int) async throws -> [JudgeScanRow] { [] }
    func candidates(eventIDs: [Int64]) async throws -> [JudgeCandidate] { [] }
    func judgeCursor(_ cursor: String) async throws -> Int64 { 0 }
    func record(_ judgments: [Judgment], cursor: String, position: Int64) async throws {}
    func verdictCounts(from: Timestamp, through: Timestamp) async throws -> [VerdictCounts] { [] }
    func judgments(eventID: Int64) async throws -> [Judgment] { [] }
    func pruneJudgments(before: Timestamp) async throws -> Int { 0 }
}
