import InfermonCore

/// The contents of a price table file (`rules/pricing.yaml`), checked but not yet
/// turned into the pricing module's types (the daemon's wiring does that), so the
/// configuration module depends on no pipeline stage.
///
/// ```yaml
/// models:
///   - name: [gpt-4o, gpt-4o-2024-08-06]    # exact names, or
///     match: "gpt-4o-2024-.*"              # a fully anchored regex (one of the two)
///     provider: openai
///     prices:                              # USD per million tokens, oldest first
///       - {from: 2024-08-06, input: 2.50, cached_input: 1.25, output: 10.00}
/// ```
public struct PriceTableFile: Sendable, Equatable {
    public struct Rates: Sendable, Equatable {
        public var input: Double
        public var output: Double
        public var cachedInput: Double?
        public var cacheWrite: Double?
        public var reasoning: Double?
    }

    public struct Period: Sendable, Equatable {
        /// Epoch milliseconds; nil when the first period has no date.
        public var from: Timestamp?
        public var rates: Rates
        public var longContext: (aboveInputTokens: Int, rates: Rates)?

        public static func == (lhs: Period, rhs: Period) -> Bool {
            lhs.from == rhs.from && lhs.rates == rhs.rates
                && lhs.longContext?.aboveInputTokens == rhs.longContext?.aboveInputTokens
                && lhs.longContext?.rates == rhs.longContext?.rates
        }
    }

    public struct Row: Sendable, Equatable {
        /// Exact names; empty when the row is a regex.
        public var names: [String]
        public var regex: String?
        public var provider: String
        public var periods: [Period]
        /// `file:line:col` of the row.
        public var location: SourceLocation
    }

    public var rows: [Row]
    public var file: String

    public static func load(path: String) throws -> PriceTableFile {
        let text: String
        do { text = try readTextFile(path) } catch {
            throw InfermonError.io("cannot read price table \(path): \(error)")
        }
        return try parse(text: text, file: path)
    }

    /// Parses and checks a whole file; the first problem is thrown with its position.
    public static func parse(text: String, file: String) throws -> PriceTableFile {
        let root = try YAMLValue.parse(text, file: file)
        let top = try root.mapping(allowed: ["models"])
        var rows: [Row] = []
        var seen: [String: SourceLocation] = [:]
        for item in try top.required("models").sequence() {
            let row = try parseRow(item)
            for name in row.names {
                let key = row.provider + "\u{0}" + name
                if let earlier = seen[key] {
                    throw item.error("model \"\(name)\" of provider \(row.provider) is already priced at \(earlier)")
                }
                seen[key] = row.location
            }
            rows.append(row)
        }
        return PriceTableFile(rows: rows, file: file)
    }

    private static func parseRow(_ item: YAMLValue) throws -> Row {
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
        var periods: [Period] = []
        for (index, value) in periodValues.enumerated() {
            let period = try parsePeriod(value)
            if index > 0 {
                guard let from = period.from else {
                    throw value.error("every price but the first needs an effective date (from)")
                }
                if let previous = periods[index - 1].from, from <= previous {
                    throw value.error("effective dates must increase: list prices oldest first")
                }
            }
            periods.append(period)
        }
        return Row(names: names, regex: regex, provider: provider, periods: periods, location: item.location)
    }

    private static func parsePeriod(_ value: YAMLValue) throws -> Period {
        let rateKeys: Set<String> = ["input", "output", "cached_input", "cache_write", "reasoning"]
        let map = try value.mapping(allowed: rateKeys.union(["from", "long_context"]))
        var period = Period(from: nil, rates: try parseRates(map, owner: value), longContext: nil)
        if let from = map["from"] { period.from = try date(from) }
        if let long = map["long_context"] {
            let longMap = try long.mapping(allowed: rateKeys.union(["above_input_tokens"]))
            let threshold = try longMap.required("above_input_tokens").int(in: 1...100_000_000)
            period.longContext = (threshold, try parseRates(longMap, owner: long))
        }
        return period
    }

    private static func parseRates(_ map: YAMLMapping, owner: YAMLValue) throws -> Rates {
        func price(_ key: String) throws -> Double? {
            guard let value = map[key] else { return nil }
            let number = try value.double()
            guard number >= 0 else { throw value.error("prices cannot be negative") }
            return number
        }
        guard let input = try price("input") else { throw owner.error("missing required key \"input\"") }
        guard let output = try price("output") else { throw owner.error("missing required key \"output\"") }
        return Rates(
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
