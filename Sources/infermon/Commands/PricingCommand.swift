import ArgumentParser
import InfermonConfig
import InfermonCore
import InfermonDaemon
import LLMOps

struct PricingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pricing",
        abstract: "Check the model price table and see how a request is priced.",
        subcommands: [Check.self, Cost.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate a price table; errors are reported as file:line:col.",
            discussion: "Without a file, checks \(PricingConfig.defaultPath)."
        )

        @Argument(help: ArgumentHelp("The price table to check.", valueName: "file"))
        var file: String = PricingConfig.defaultPath

        func run() throws {
            let table: PriceTable
            do {
                table = try PriceTable.load(path: file)
            } catch {
                throw fail(error)
            }
            var names = 0
            var patterns = 0
            var providers: [String: Int] = [:]
            for entry in table.entries {
                if case .names(let list) = entry.pattern { names += list.count } else { patterns += 1 }
                providers[entry.provider, default: 0] += 1
            }
            print("\(file): ok")
            print("  \(table.entries.count) rows: \(names) exact model names, \(patterns) patterns")
            print(
                "  providers: \(providers.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", "))"
            )
        }
    }

    struct Cost: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cost",
            abstract: "Price one request with the table and show the working.",
            discussion: """
                Token counts are read as OpenAI reports them: prompt tokens include the cached and cache-write ones, \
                completion tokens include the reasoning ones.
                """
        )

        @Argument(help: ArgumentHelp("Model name as the logs write it.", valueName: "model"))
        var model: String

        @Option(help: "Prompt tokens, cached and cache-write ones included.") var promptTokens = 0
        @Option(help: "Prompt tokens served from the cache.") var cachedTokens = 0
        @Option(help: "Prompt tokens written to the cache.") var cacheWriteTokens = 0
        @Option(help: "Completion tokens, reasoning ones included.") var completionTokens = 0
        @Option(help: "Reasoning tokens.") var reasoningTokens = 0

        @Option(
            help: ArgumentHelp("When the request happened (RFC 3339 or YYYY-MM-DD); default now.", valueName: "time"))
        var at: String?

        @Option(help: ArgumentHelp("Price table.", valueName: "file"))
        var file: String = PricingConfig.defaultPath

        func run() throws {
            let time: Timestamp
            if let at {
                guard let parsed = TimeParsing.rfc3339Millis(at.count == 10 ? at + "T00:00:00Z" : at) else {
                    throw ValidationError("--at must be a date (2025-06-10) or an RFC 3339 time")
                }
                time = parsed
            } else {
                time = SystemWallClock().now()
            }
            let table: PriceTable
            do { table = try PriceTable.load(path: file) } catch { throw fail(error) }
            guard let match = table.price(model: model, at: time) else {
                printError("infermon: \(model) has no price at \(TimeParsing.formatRFC3339(time)) in \(file): unpriced")
                throw ExitCode(1)
            }
            let usage = TokenUsage(
                prompt: promptTokens, cached: cachedTokens, cacheWrite: cacheWriteTokens, completion: completionTokens,
                reasoning: reasoningTokens)
            let parts = usage.billable
            let cost = match.period.cost(of: usage)
            let prices = cost.longContext ? match.period.longContext!.prices : match.period.prices
            let since = match.period.effectiveFrom.map { TimeParsing.formatRFC3339($0) } ?? "always"
            print(
                "\(model): \(match.entry.provider) \(match.entry.pattern), prices since \(since)\(cost.longContext ? " (long context)" : "")"
            )
            func line(_ label: String, _ tokens: Int, _ rate: Double, _ usd: Double) {
                print(
                    "  \(label.padding(16))\(String(tokens).leftPadding(10)) × $\(formatUSD(rate))/M = $\(formatUSD(usd))"
                )
            }
            line("uncached input", parts.uncachedInput, prices.input, cost.uncachedInputUSD)
            line("cached input", parts.cached, prices.cachedInput ?? prices.input, cost.cachedInputUSD)
            if parts.cacheWrite > 0 {
                line("cache write", parts.cacheWrite, prices.cacheWrite ?? prices.input, cost.cacheWriteUSD)
            }
            line("output", parts.visibleOutput, prices.output, cost.outputUSD)
            line("reasoning", parts.reasoning, prices.reasoning ?? prices.output, cost.reasoningUSD)
            print("  total".padding(28) + "  $\(formatUSD(cost.totalUSD))")
        }
    }
}

/// Dollars with up to 8 decimals and no trailing zeros: 0.0031, 2.5.
func formatUSD(_ value: Double) -> String {
    let scaled = (value * 1e8).rounded()
    let whole = Int64(scaled) / 100_000_000
    var fraction = String(Int64(abs(scaled)) % 100_000_000)
    fraction = String(repeating: "0", count: 8 - fraction.count) + fraction
    while fraction.hasSuffix("0") { fraction.removeLast() }
    return fraction.isEmpty ? "\(whole)" : "\(whole).\(fraction)"
}

extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
    func leftPadding(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
