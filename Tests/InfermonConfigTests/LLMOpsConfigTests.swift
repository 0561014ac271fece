import InfermonConfig
import InfermonCore
import LLMOps
import Testing

/// The `pricing`, `budgets` and `slos` sections and the price table file.
@Suite("LLMOps configuration")
struct LLMOpsConfigTests {
    static func load(_ text: String) throws -> Configuration {
        try ConfigurationLoader.load(text: text, file: "test.yaml")
    }

    static func location(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as InfermonError {
            return error.location.map { "\($0.line):\($0.column)" }
        } catch {
            return "other"
        }
    }

    @Test func sectionsParseWithTheirDefaults() throws {
        let config = try Self.load(
            """
            pricing: prices.yaml
            budgets:
              - {name: acme-monthly, tenant: acme, model: "gpt-4o.*", period: month, amount_usd: 5000}
            slos:
              - {name: avail, sli: availability, objective: 99.5%}
              - {name: ttft, sli: ttft, threshold: 500ms, objective: 0.99, period: 28d, route: /v1/chat/completions}
            """)
        #expect(config.pricing.path == "prices.yaml" && config.pricing.isExplicit)
        #expect(
            config.budgets == [
                .init(
                    name: "acme-monthly",
                    selector: [
                        try LabelMatcher("model", .matchRegex, "gpt-4o.*"),
                        try LabelMatcher("tenant", .matchRegex, "acme"),
                    ], period: .month, amountUSD: 5000)
            ])
        #expect(
            config.slos[0].objective == 0.995 && config.slos[0].period == .seconds(30 * 86_400)
                && config.slos[0].indicator == .availability)
        #expect(
            config.slos[1].indicator == .timeToFirstToken(threshold: 0.5)
                && config.slos[1].period == .seconds(28 * 86_400))
        #expect(config.slos[1].selector == [try LabelMatcher("route", .matchRegex, "/v1/chat/completions")])
        let defaults = try Self.load("log: {level: info}")
        #expect(defaults.pricing.path == "rules/pricing.yaml" && !defaults.pricing.isExplicit)
        #expect(try Self.load("pricing: {path: x.yaml}").pricing.path == "x.yaml")
    }

    @Test func mistakesAreReportedWhereTheyAre() {
        #expect(Self.location { _ = try Self.load("slos:\n  - {name: a, sli: latency, objective: 99%}") } == "2:5")
        #expect(
            Self.location { _ = try Self.load("slos:\n  - {name: a, sli: availability, objective: 100%}") } == "2:45")
        #expect(
            Self.location { _ = try Self.load("slos:\n  - {name: a, sli: availability, objective: 0.9, period: 3d}") }
                == "2:58")
        #expect(Self.location { _ = try Self.load("budgets:\n  - {name: a, period: week, amount_usd: 1}") } == "2:23")
        #expect(Self.location { _ = try Self.load("budgets:\n  - {name: a b, period: day, amount_usd: 1}") } == "2:12")
        #expect(
            Self.location { _ = try Self.load("budgets:\n  - {name: a, tenant: \"(\", period: day, amount_usd: 1}") }
                == "2:23")
        #expect(
            Self.location {
                _ = try Self.load(
                    "budgets:\n  - {name: a, period: day, amount_usd: 1}\n  - {name: a, period: day, amount_usd: 2}")
            } == "3:12")
    }

    @Test func thePriceTableFileIsCheckedWithPositions() throws {
        let table = try PriceTable.parse(
            text: """
                models:
                  - name: [o3, o3-2025-04-16]
                    provider: openai
                    prices:
                      - {from: 2025-04-16, input: 10, cached_input: 2.5, output: 40}
                      - {from: "2025-06-10T00:00:00Z", input: 2, cached_input: 0.5, output: 8}
                  - match: "gemini-2\\\\.5-flash-preview-.*"
                    provider: google
                    prices:
                      - input: 0.15
                        output: 0.60
                        reasoning: 3.50
                        long_context: {above_input_tokens: 200000, input: 0.3, output: 1.2}
                """, file: "p.yaml")
        #expect(table.entries.count == 2)
        #expect(table.entries[0].pattern == .names(["o3", "o3-2025-04-16"]) && table.entries[0].periods.count == 2)
        #expect(table.entries[0].periods[1].effectiveFrom == 1_749_513_600_000)
        #expect(table.entries[1].pattern.description == "/gemini-2\\.5-flash-preview-.*/")
        #expect(table.entries[1].periods[0].prices.reasoning == 3.5)
        #expect(table.entries[1].periods[0].longContext?.aboveInputTokens == 200_000)

        func errorAt(_ text: String) -> String? {
            Self.location { _ = try PriceTable.parse(text: text, file: "p.yaml") }
        }
        #expect(errorAt("models:\n  - {name: a, provider: x, prices: [{input: 1}]}") == "2:37")
        #expect(errorAt("models:\n  - {name: a, match: b, provider: x, prices: [{input: 1, output: 1}]}") == "2:5")
        #expect(errorAt("models:\n  - {match: \"(\", provider: x, prices: [{input: 1, output: 1}]}") == "2:13")
        #expect(
            errorAt("models:\n  - {name: a, provider: x, prices: [{input: 1, output: 1}, {input: 2, output: 2}]}")
                == "2:60")
        #expect(
            errorAt("models:\n  - {name: a, provider: x, prices: [{from: yesterday, input: 1, output: 1}]}") == "2:44")
    }
}
