import InfermonCore
import InfermonYAML

/// A price table file (`rules/pricing.yaml`), read straight into `PriceTable`,
/// each row's position kept for messages.
///
/// ```yaml
/// models:
///   - name: [gpt-4o, gpt-4o-2024-08-06]    # exact names, or
///     match: "gpt-4o-2024-.*"              # a fully anchored regex (one of the two)
///     provider: openai
///     prices:                              # USD per million tokens, oldest first
///       - {from: 2024-08-06, input: 2.50, cached_input: 1.25, output: 10.00}
/// ```
extension PriceTable {
    public static func load(path: String) throws -> PriceTable {
        let text: String
        do { text = try readTextFile(path) } catch {
            throw InfermonError.io("cannot read price table \(path): \(error)")
        }
        return try parse(text: text, file: path)
    }

    /// Parses and checks a whole file; the first problem is thrown with its position.
    public static func parse(text: String, file: String) throws -> PriceTable {
        let root = try YAMLValue.parse(text, file: file)
        let top = try root.mapping(allowed: ["models"])
        var entries: [PriceEntry] = []
        var seen: [String: String] = [:]
        for item in try top.required("models").sequence() {
            let entry = try parseRow(item)
            if case .names(let names) = entry.pattern {
                for name in names {
                    let key = entry.provider + "\u{0}" + name
                    if let earlier = seen[key] {
                        throw item.error(
                            "model \"\(name)\" of provider \(entry.provider) is already priced at \(earlier)")
                    }
                    seen[key] = entry.origin
                }
            }
            entries.append(entry)
        }
        return try PriceTable(entries: entries)
    }

    private static func parseRow(_ item: YAMLValue) throws -> PriceEntry {
        let map = try item.mapping(allowed: ["name", "match", "provider", "prices"])
        var names: [String] = []
        var regex: String?
        switch (map["name"], map["match"]) {
        case (let name?, nil):
            names = try name.stringList()
            guard !names.isEmpty, !names.contains("") else { throw name.error("model names must not be empty") }
        case (nil, let match?):
            let pattern = try match.string()
            do { _ = try AnchoredRegex(pattern) } catch let error as InfermonError { throw match.error(error.message) }
            regex = pattern
        case (.some, .some): throw item.error("give either name or match, not both")
        case (nil, nil): throw item.error("missing \"name\" (exact model names) or \"match\" (a regular expression)")
        }
        let providerValue = try map.required("provider")
        let provider = try providerValue.string()
        guard !provider.isEmpty, !provider.contains("/") else {
            throw providerValue.error("provider must be a non-empty name without \"/\"")
        }
        let pricesValue = try map.required("prices")
        let periodValues = try pricesValue.sequence()
        guard !periodValues.isEmpty else { throw pricesValue.error("at least one price is needed") }
        var periods: [PricePeriod] = []
        for (index, value) in periodValues.enumerated() {
            let period = try parsePeriod(value)
            if index > 0 {
                guard let from = period.effectiveFrom else {
                    throw value.error("every price but the first needs an effective date (from)")
                }
                if let previous = periods[index - 1].effectiveFrom, from <= previous {
                    throw value.error("effective dates must increase: list prices oldest first")
                }
            }
            periods.append(period)
        }
        return try PriceEntry(
            pattern: try regex.map { .regex(try AnchoredRegex($0)) } ?? .names(names), provider: provider,
            periods: periods, origin: item.location.description)
    }

    private static func parsePeriod(_ value: YAMLValue) throws -> PricePeriod {
        let rateKeys: Set<String> = ["input", "output", "cached_input", "cache_write", "reasoning"]
        let map = try value.mapping(allowed: rateKeys.union(["from", "long_context"]))
        var period = PricePeriod(effectiveFrom: nil, prices: try parseRates(map, owner: value))
        if let from = map["from"] { period.effectiveFrom = try date(from) }
        if let long = map["long_context"] {
            let longMap = try long.mapping(allowed: rateKeys.union(["above_input_tokens"]))
            let threshold = try longMap.required("above_input_tokens").int(in: 1...100_000_000)
            period.longContext = LongContextPrices(
                aboveInputTokens: threshold, prices: try parseRates(longMap, owner: long))
        }
        return period
    }

    private static func parseRates(_ map: YAMLMapping, owner: YAMLValue) throws -> TokenPrices {
        func price(_ key: String) throws -> Double? {
            guard let value = map[key] else { return nil }
            let number = try value.double()
            guard number >= 0 else { throw value.error("prices cannot be negative") }
            return number
        }
        guard let input = try price("input") else { throw owner.error("missing required key \"input\"") }
        guard let output = try price("output") else { throw owner.error("missing required key \"output\"") }
        return TokenPrices(
            input: input, output: output, cachedInput: try price("cached_input"), cacheWrite: try price("cache_write"),
            reasoning: try price("reasoning"))
    }

    /// `2025-06-10` (midnight UTC) or an RFC 3339 time.
    static func date(_ value: YAMLValue) throws -> Timestamp {
        let text = try value.string()
        let full = text.count == 10 ? text + "T00:00:00Z" : text
        guard let millis = TimeParsing.rfc3339Millis(full) else {
            throw value.error("expected a date such as 2025-06-10 or 2025-06-10T12:00:00Z, found \"\(text)\"")
        }
        return millis
    }
}
