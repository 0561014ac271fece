public import AsyncHTTPClient
import Foundation
public import InfermonCore
public import Logging
import NIOCore
import NIOHTTP1

/// An LLM judge over any OpenAI-compatible chat-completions endpoint. Every
/// way it can go wrong (cap reached, timeout, transport error, 4xx, 5xx or 429
/// after the retries, an answer that is not the strict verdict JSON) comes
/// back as a failed or skipped outcome, verdict `unknown`: never `supported`.
public final class ChatCompletionsJudge: RemoteJudge {
    public let options: LLMJudgeOptions
    public let budget: JudgeBudget
    public var name: String { options.name }
    private let prompt: JudgePrompt
    private let retry: RetryPolicy
    private let client: HTTPClient
    private let clock: any WallClock
    private let jitter: @Sendable () -> Double
    private let limiter: AsyncLimiter
    private let logger: Logger

    /// The quality service calls `restoreUsage` before judging, so the budget
    /// continues from the store's record of this hour and day after a restart.
    /// Retry waits go through `clock`, so tests drive them with a manual clock.
    public init(
        options: LLMJudgeOptions, budget: JudgeBudget, httpClient: HTTPClient = .shared,
        clock: any WallClock = SystemWallClock(),
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        logger: Logger
    ) throws {
        self.options = options
        self.budget = budget
        self.prompt = try JudgePrompt(template: options.promptTemplate)
        self.retry = RetryPolicy(
            maxRetries: options.maxRetries, initialBackoff: options.initialBackoff, maxBackoff: options.maxBackoff,
            maxRetryAfter: options.maxRetryAfter)
        self.client = httpClient
        self.clock = clock
        self.jitter = jitter
        self.limiter = AsyncLimiter(permits: options.concurrency)
        self.logger = logger
    }

    public func restoreUsage(from store: any JudgmentStore, now: Timestamp) async throws {
        budget.absorb(try await JudgeBudget.recordedUsage(in: store, judge: name, now: now), now: now)
    }

    public func judge(_ candidate: JudgeCandidate) async -> JudgeOutcome {
        let userMessage = prompt.render(candidate, maxCharacters: options.maxTextCharacters)
        let body: Data
        do {
            var request = ChatCompletionRequest(
                model: options.model,
                messages: [.init(role: "system", content: prompt.system), .init(role: "user", content: userMessage)],
                max_tokens: options.maxTokens)
            if options.jsonMode { request.response_format = .init() }
            body = try JSONEncoder().encode(request)
        } catch {
            return .failure("cannot encode judge request: \(error)")
        }
        // An upper bound, so reservations can never under-count: byte-level BPE
        // tokens are at least one byte each, plus a little chat-template overhead.
        let estimatedInputTokens = prompt.system.utf8.count + userMessage.utf8.count + 32
        let estimate = cost(inputTokens: estimatedInputTokens, outputTokens: options.maxTokens)
        let reservedAt = clock.now()
        let reserved: Double
        switch budget.reserve(estimatedCost: estimate, now: reservedAt) {
        case .success(let amount): reserved = amount
        case .failure(let cap): return .skipped(cap.description)
        }
        await limiter.acquire()
        let outcome = await attempt(body: body)
        await limiter.release()
        budget.settle(
            reserved: reserved, actualCost: outcome.cost ?? reserved, reservedAt: reservedAt, now: clock.now())
        var result = outcome.result
        result.cost = outcome.cost ?? reserved
        return result
    }

    /// Sends with retries. `cost` is nil when it is unknown whether the endpoint
    /// did (and billed) the work, as after a timeout.
    private func attempt(body: Data) async -> (result: JudgeOutcome, cost: Double?) {
        var request = HTTPClientRequest(url: options.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        if let key = options.apiKey { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        request.body = .bytes(ByteBuffer(bytes: body))
        var attempt = 0
        while true {
            let response: HTTPClientResponse
            let bytes: ByteBuffer
            do {
                response = try await client.execute(request, timeout: .milliseconds(options.timeout.millis))
                bytes = try await response.body.collect(upTo: 4 << 20)
            } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
                return (.failure("judge timed out after \(options.timeout.millis) ms"), nil)
            } catch {
                return (.failure("judge request failed: \(error)"), 0)
            }
            let status = Int(response.status.code)
            if (200..<300).contains(status) {
                return interpret(Data(bytes.readableBytesView))
            }
            guard RetryPolicy.isRetryable(status: status), attempt < retry.maxRetries else {
                let excerpt = String(decoding: Data(bytes.readableBytesView).prefix(200), as: UTF8.self)
                return (.failure("judge endpoint answered HTTP \(status) after \(attempt + 1) attempts: \(excerpt)"), 0)
            }
            guard
                let delay = retry.delay(
                    attempt: attempt, retryAfter: response.headers.first(name: "Retry-After"), now: clock.now(),
                    jitter: jitter())
            else {
                return (.failure("judge endpoint asked to retry later than \(retry.maxRetryAfter.millis) ms"), 0)
            }
            logger.debug("judge retry", metadata: ["status": "\(status)", "delay_ms": "\(delay)"])
            do {
                try await clock.sleep(until: clock.now() + delay)
            } catch {
                return (.failure("judge retry canceled"), 0)
            }
            attempt += 1
        }
    }

    private func interpret(_ data: Data) -> (result: JudgeOutcome, cost: Double?) {
        let envelope: ChatCompletionResponse
        do {
            envelope = try JSONDecoder().decode(ChatCompletionResponse.self, from: data)
        } catch {
            return (.failure("judge response is not a chat completion"), nil)
        }
        let spent = envelope.usage.map {
            cost(inputTokens: $0.prompt_tokens ?? 0, outputTokens: $0.completion_tokens ?? 0)
        }
        guard let content = envelope.choices.first?.message.content else {
            return (.failure("judge response has no message content"), spent)
        }
        do {
            let parsed = try VerdictParser.parse(content)
            return (JudgeOutcome(verdict: parsed.verdict, score: parsed.score, reason: parsed.reason), spent)
        } catch {
            return (.failure("\(error)"), spent)
        }
    }

    private func cost(inputTokens: Int, outputTokens: Int) -> Double {
        (Double(inputTokens) * options.inputPricePerMillion + Double(outputTokens) * options.outputPricePerMillion)
            / 1_000_000
    }
}
