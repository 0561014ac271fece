import InfermonCore
import InfermonTesting
import LLMOps
import Store
import Testing

/// The pricing rules, on the edge cases peers get wrong: cached tokens billed
/// twice, reasoning tokens left out, an unknown model at $0, stale prices.
@Suite("Pricing")
struct PricingTests {
    static let gpt4o = TokenPrices(input: 2.50, output: 10.00, cachedInput: 1.25)

    static func table(_ entries: [PriceEntry]) throws -> PriceTable { try PriceTable(entries: entries) }

    static func entry(_ names: [String], provider: String = "openai", _ periods: [PricePeriod]) throws -> PriceEntry {
        try PriceEntry(pattern: .names(names), provider: provider, periods: periods)
    }

    static func regexEntry(_ pattern: String, provider: String = "openai", input: Double) throws -> PriceEntry {
        try PriceEntry(
            pattern: .regex(try AnchoredRegex(pattern)), provider: provider,
            periods: [PricePeriod(effectiveFrom: nil, prices: TokenPrices(input: input, output: 0))])
    }

    @Test func cachedTokensAreBilledAtTheCachedRateAndNotAgainAtTheInputRate() {
        // 1,520 prompt tokens of which 1,024 cached, 88 completion tokens.
        let cost = Self.gpt4o.cost(of: TokenUsage(prompt: 1520, cached: 1024, completion: 88))
        #expect(abs(cost.uncachedInputUSD - 496 * 2.50e-6) < 1e-15)
        #expect(abs(cost.cachedInputUSD - 1024 * 1.25e-6) < 1e-15)
        #expect(abs(cost.totalUSD - (496 * 2.50 + 1024 * 1.25 + 88 * 10.00) / 1e6) < 1e-15)
        // Billing all 1,520 at the input rate plus the 1,024 again would be 0.0025 more.
        #expect(cost.totalUSD < (1520 * 2.50 + 88 * 10.00) / 1e6)
    }

    @Test func cacheWritesAreBilledAtTheirRateOutOfThePrompt() {
        // Claude Sonnet 4: $3 input, $0.30 cache read, $3.75 cache write (5-minute), $15 output.
        let sonnet = TokenPrices(input: 3.00, output: 15.00, cachedInput: 0.30, cacheWrite: 3.75)
        // 10,000 prompt tokens: 6,000 read from the cache, 3,000 written to it, 1,000 plain.
        let cost = sonnet.cost(of: TokenUsage(prompt: 10_000, cached: 6000, cacheWrite: 3000, completion: 500))
        #expect(abs(cost.uncachedInputUSD - 1000 * 3.00e-6) < 1e-15)
        #expect(abs(cost.cachedInputUSD - 6000 * 0.30e-6) < 1e-15)
        #expect(abs(cost.cacheWriteUSD - 3000 * 3.75e-6) < 1e-15)
        #expect(abs(cost.totalUSD - (1000 * 3.00 + 6000 * 0.30 + 3000 * 3.75 + 500 * 15.00) / 1e6) < 1e-12)
        // Without a cache-write rate they pay the input rate; counts beyond the prompt are clamped.
        let plain = TokenPrices(input: 3.00, output: 15.00, cachedInput: 0.30)
        #expect(abs(plain.cost(of: TokenUsage(prompt: 4000, cacheWrite: 4000)).totalUSD - 4000 * 3.00e-6) < 1e-15)
        let clamped = TokenUsage(prompt: 1000, cached: 800, cacheWrite: 900).billable
        #expect(clamped.uncachedInput == 0 && clamped.cached == 800 && clamped.cacheWrite == 200)
    }

    @Test func reasoningTokensAreCountedOnceAtTheReasoningRateWhenThereIsOne() {
        // 1,200 completion tokens, 1,000 of them reasoning.
        let usage = TokenUsage(prompt: 1000, completion: 1200, reasoning: 1000)
        let asOutput = TokenPrices(input: 0.15, output: 0.60)
        #expect(abs(asOutput.cost(of: usage).totalUSD - (1000 * 0.15 + 1200 * 0.60) / 1e6) < 1e-15)
        let ownRate = TokenPrices(input: 0.15, output: 0.60, reasoning: 3.50)
        let cost = ownRate.cost(of: usage)
        #expect(abs(cost.outputUSD - 200 * 0.60e-6) < 1e-15)
        #expect(abs(cost.reasoningUSD - 1000 * 3.50e-6) < 1e-15)
        #expect(abs(cost.totalUSD - (1000 * 0.15 + 200 * 0.60 + 1000 * 3.50) / 1e6) < 1e-15)
        // Reasoning reported without a completion count is still billed.
        let alone = asOutput.cost(of: TokenUsage(reasoning: 500))
        #expect(abs(alone.totalUSD - 500 * 0.60e-6) < 1e-15)
        // Inconsistent counts are clamped to their totals, never billed twice.
        #expect(TokenUsage(prompt: 100, cached: 300, completion: 10, reasoning: 50).billable == (0, 100, 0, 0, 50))
    }

    @Test func aPriceChangeMidDayAppliesFromItsInstantAndOldSpendKeepsItsPrice() async throws {
        let noon = Time.date(2025, 6, 10, hour: 12)
        let table = try Self.table([
            try Self.entry(
                ["m"],
                [
                    PricePeriod(effectiveFrom: Time.date(2025, 6, 1), prices: TokenPrices(input: 10, output: 40)),
                    PricePeriod(effectiveFrom: noon, prices: TokenPrices(input: 2, output: 8)),
                ])
        ])
        let stage = PricingStage(table: table)
        var batch = IngestBatch(events: [
            event(at: noon - 1, model: "m", prompt: 1_000_000, completion: 0),
            event(at: noon, model: "m", prompt: 1_000_000, completion: 0),
            event(at: noon + 3_600_000, model: "m", prompt: 0, completion: 1_000_000),
            event(at: Time.date(2025, 5, 31), model: "m", prompt: 1_000_000),
        ])
        try await stage.process(&batch)
        #expect(batch.events[0].cost == 10)
        #expect(batch.events[1].cost == 2)
        #expect(batch.events[2].cost == 8)
        // Before the model's first price there is no price: unpriced, not $0 and not today's price.
        #expect(batch.events[3].cost == nil)
    }

    @Test func aCostReportedByTheSourceWins() async throws {
        let stage = PricingStage(
            table: try Self.table([try Self.entry(["gpt-4o"], [PricePeriod(effectiveFrom: nil, prices: Self.gpt4o)])]))
        var batch = IngestBatch(events: [
            event(at: 1, prompt: 1000, completion: 100, cost: 0.5),
            event(at: 2, prompt: 1000, completion: 100, cost: 0),
            event(at: 3, prompt: 1000, completion: 100),
        ])
        try await stage.process(&batch)
        #expect(batch.events.map(\.cost) == [0.5, 0, (1000 * 2.50 + 100 * 10.0) / 1e6])
    }

    @Test func anUnknownModelIsCountedAsUnpricedNeverCostedAtZero() async throws {
        let stage = PricingStage(
            table: try Self.table([try Self.entry(["gpt-4o"], [PricePeriod(effectiveFrom: nil, prices: Self.gpt4o)])]))
        let counters = LLMCounterStage(slos: [])
        var first = IngestBatch(events: [
            event(at: 1_000, model: "llama-3.1-70b", prompt: 500, completion: 50),
            event(at: 2_000, model: "gpt-4o", prompt: 500, completion: 50),
            event(at: 3_000, model: "llama-3.1-70b", prompt: 500, completion: 50, cost: 0.001),
        ])
        try await stage.process(&first)
        try await counters.process(&first)
        #expect(first.events[0].cost == nil)
        #expect(first.events[1].cost != nil)
        let unpriced = first.samples.filter { $0.labels.name == LLMOpsMetrics.unpricedRequests }
        #expect(unpriced.count == 1)
        #expect(unpriced.first?.labels["model"] == "llama-3.1-70b")
        #expect(unpriced.first?.sample == Sample(1_000, 1))
        var second = IngestBatch(events: [event(at: 61_000, model: "llama-3.1-70b")])
        try await stage.process(&second)
        try await counters.process(&second)
        // Cumulative, as a counter.
        #expect(second.samples.first { $0.labels.name == LLMOpsMetrics.unpricedRequests }?.sample == Sample(61_000, 2))
    }

    @Test func regexPrecedenceExactNamesFirstThenRegexesInFileOrderThenProviderPrefix() throws {
        let table = try Self.table([
            try Self.regexEntry("gpt-4o-mini.*", input: 0.15),
            try Self.regexEntry("gpt-4o.*", input: 2.5),
            try Self.regexEntry("claude-.*", provider: "anthropic", input: 3),
            // Listed last, yet it wins over both regexes for its own name.
            try Self.entry(
                ["gpt-4o-2024-05-13"], [PricePeriod(effectiveFrom: nil, prices: TokenPrices(input: 5, output: 15))]),
        ])
        func input(_ model: String) -> Double? { table.price(model: model, at: 0)?.period.prices.input }
        #expect(input("gpt-4o-mini-2024-07-18") == 0.15)
        #expect(input("gpt-4o-2024-11-20") == 2.5)
        #expect(input("gpt-4o-2024-05-13") == 5)
        // Anchored: a regex must match the whole name.
        #expect(input("my-gpt-4o") == nil)
        // A provider prefix is tried only when the whole name matches nothing, and only among that provider's rows.
        #expect(input("openai/gpt-4o-mini") == 0.15)
        #expect(input("anthropic/claude-3-5-sonnet") == 3)
        #expect(input("azure/gpt-4o-mini") == nil)
        #expect(input("openai/claude-3-5-sonnet") == nil)

        // The other order shows why specific patterns go first: the general one takes everything.
        let reversed = try Self.table([
            try Self.regexEntry("gpt-4o.*", input: 2.5), try Self.regexEntry("gpt-4o-mini.*", input: 0.15),
        ])
        #expect(reversed.price(model: "gpt-4o-mini-2024-07-18", at: 0)?.period.prices.input == 2.5)
    }

    @Test func aLongPromptBillsTheWholeRequestAtTheLongContextPrices() {
        let period = PricePeriod(
            effectiveFrom: nil, prices: TokenPrices(input: 3, output: 15, cachedInput: 0.3),
            longContext: LongContextPrices(
                aboveInputTokens: 200_000, prices: TokenPrices(input: 6, output: 22.5, cachedInput: 0.6)))
        let short = period.cost(of: TokenUsage(prompt: 200_000, completion: 1000))
        #expect(!short.longContext && abs(short.totalUSD - (200_000 * 3 + 1000 * 15) / 1e6) < 1e-12)
        let long = period.cost(of: TokenUsage(prompt: 200_001, cached: 100_000, completion: 1000))
        #expect(long.longContext)
        #expect(abs(long.totalUSD - (100_001 * 6 + 100_000 * 0.6 + 1000 * 22.5) / 1e6) < 1e-12)
    }

    @Test func tablesRefuseDuplicateNamesAndUnorderedDates() throws {
        let flat = [PricePeriod(effectiveFrom: nil, prices: Self.gpt4o)]
        #expect(throws: InfermonError.self) {
            try PriceTable(entries: [try Self.entry(["a"], flat), try Self.entry(["b", "a"], flat)])
        }
        // The same name under another provider is allowed; without a prefix the first row wins.
        let shared = try PriceTable(entries: [
            try Self.entry(["a"], flat),
            try Self.entry(
                ["a"], provider: "azure", [PricePeriod(effectiveFrom: nil, prices: TokenPrices(input: 9, output: 9))]),
        ])
        #expect(shared.price(model: "a", at: 0)?.entry.provider == "openai")
        #expect(shared.price(model: "azure/a", at: 0)?.entry.provider == "azure")
        #expect(throws: InfermonError.self) {
            try Self.entry(
                ["c"],
                [
                    PricePeriod(effectiveFrom: 10, prices: Self.gpt4o),
                    PricePeriod(effectiveFrom: 10, prices: Self.gpt4o),
                ])
        }
    }
}
