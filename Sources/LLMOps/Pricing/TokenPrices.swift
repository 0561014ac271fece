public import InfermonCore

/// List prices of one model at one time, in USD per million tokens, as the
/// providers publish them.
public struct TokenPrices: Sendable, Equatable {
    public var input: Double
    public var output: Double
    /// Prompt tokens served from the provider's cache. nil: the provider gives no
    /// discount, and cached tokens pay the input rate.
    public var cachedInput: Double?
    /// Prompt tokens written to the cache (Anthropic: 1.25× input for 5-minute
    /// entries). nil: cache writes pay the input rate.
    public var cacheWrite: Double?
    /// Reasoning ("thinking") tokens. nil: they are billed as output, as OpenAI,
    /// Anthropic and current Gemini models do.
    public var reasoning: Double?

    public init(
        input: Double, output: Double, cachedInput: Double? = nil, cacheWrite: Double? = nil,
        reasoning: Double? = nil
    ) {
        self.input = input
        self.output = output
        self.cachedInput = cachedInput
        self.cacheWrite = cacheWrite
        self.reasoning = reasoning
    }
}

/// Token counts as an event reports them, OpenAI's way: `prompt` includes the
/// cached and cache-write tokens and `completion` includes the reasoning tokens.
public struct TokenUsage: Sendable, Equatable {
    public var prompt: Int
    public var cached: Int
    public var cacheWrite: Int
    public var completion: Int
    public var reasoning: Int

    public init(prompt: Int = 0, cached: Int = 0, cacheWrite: Int = 0, completion: Int = 0, reasoning: Int = 0) {
        self.prompt = prompt
        self.cached = cached
        self.cacheWrite = cacheWrite
        self.completion = completion
        self.reasoning = reasoning
    }

    /// Splits the counts into what is billed at which rate. Every token is billed
    /// exactly once: cached tokens come out of the prompt (never billed again at
    /// the input rate) and reasoning tokens out of the completion (never dropped,
    /// never billed twice). Counts that cannot be parts of their total (more
    /// cached than prompt tokens) are clamped to it; a reasoning count without a
    /// completion count is taken as the whole completion.
    public var billable: (uncachedInput: Int, cached: Int, cacheWrite: Int, visibleOutput: Int, reasoning: Int) {
        let prompt = max(0, self.prompt)
        let cached = min(max(0, self.cached), prompt)
        let cacheWrite = min(max(0, self.cacheWrite), prompt - cached)
        let completion = max(max(0, self.completion), max(0, reasoning))
        let reasoning = min(max(0, self.reasoning), completion)
        return (prompt - cached - cacheWrite, cached, cacheWrite, completion - reasoning, reasoning)
    }
}

/// What one request cost, split by rate, so `infermon pricing cost` can show its working.
public struct CostBreakdown: Sendable, Equatable {
    public var uncachedInputUSD: Double
    public var cachedInputUSD: Double
    public var cacheWriteUSD: Double
    public var outputUSD: Double
    public var reasoningUSD: Double
    /// Whether the long-context prices applied.
    public var longContext: Bool

    public var totalUSD: Double { uncachedInputUSD + cachedInputUSD + cacheWriteUSD + outputUSD + reasoningUSD }
}

extension TokenPrices {
    /// The cost of `usage` at these prices.
    public func cost(of usage: TokenUsage, longContext: Bool = false) -> CostBreakdown {
        let parts = usage.billable
        let perToken = 1e-6
        return CostBreakdown(
            uncachedInputUSD: Double(parts.uncachedInput) * input * perToken,
            cachedInputUSD: Double(parts.cached) * (cachedInput ?? input) * perToken,
            cacheWriteUSD: Double(parts.cacheWrite) * (cacheWrite ?? input) * perToken,
            outputUSD: Double(parts.visibleOutput) * output * perToken,
            reasoningUSD: Double(parts.reasoning) * (reasoning ?? output) * perToken,
            longContext: longContext)
    }
}

/// Prices in force from one moment until the next period of the same model starts.
public struct PricePeriod: Sendable, Equatable {
    /// Epoch milliseconds; nil for the first period of a model, "since always".
    public var effectiveFrom: Timestamp?
    public var prices: TokenPrices
    /// Prices for a whole request whose prompt exceeds a size (Gemini 2.5 Pro and
    /// Claude Sonnet 4 above 200,000 prompt tokens).
    public var longContext: LongContextPrices?

    public init(effectiveFrom: Timestamp?, prices: TokenPrices, longContext: LongContextPrices? = nil) {
        self.effectiveFrom = effectiveFrom
        self.prices = prices
        self.longContext = longContext
    }

    /// The cost of `usage`: all of it at the long-context prices when the prompt is
    /// over the threshold, as the providers bill it.
    public func cost(of usage: TokenUsage) -> CostBreakdown {
        if let longContext, usage.prompt > longContext.aboveInputTokens {
            return longContext.prices.cost(of: usage, longContext: true)
        }
        return prices.cost(of: usage)
    }
}

public struct LongContextPrices: Sendable, Equatable {
    public var aboveInputTokens: Int
    public var prices: TokenPrices

    public init(aboveInputTokens: Int, prices: TokenPrices) {
        self.aboveInputTokens = aboveInputTokens
        self.prices = prices
    }
}
