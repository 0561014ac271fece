public import InfermonCore

/// The prices of the models one table row matches, over time.
public struct PriceEntry: Sendable {
    public enum Pattern: Sendable, Equatable, CustomStringConvertible {
        /// Exact model names.
        case names([String])
        /// A fully anchored regular expression, as in Prometheus matchers.
        case regex(AnchoredRegex)

        public var description: String {
            switch self {
            case .names(let names): names.joined(separator: ", ")
            case .regex(let regex): "/\(regex.pattern)/"
            }
        }
    }

    public let pattern: Pattern
    public let provider: String
    /// In time order; only the first may lack an effective date.
    public let periods: [PricePeriod]
    /// Where the row is written, for messages (`rules/pricing.yaml:12:5`).
    public let origin: String?

    public init(pattern: Pattern, provider: String, periods: [PricePeriod], origin: String? = nil) throws {
        guard !periods.isEmpty else { throw InfermonError.invalidArgument("\(pattern): no prices") }
        for (index, period) in periods.enumerated() where index > 0 {
            let previous = periods[index - 1].effectiveFrom ?? .min
            guard let from = period.effectiveFrom, from > previous else {
                throw InfermonError.invalidArgument(
                    "\(pattern): prices must be in order of strictly increasing effective dates, and only the first may omit its date"
                )
            }
        }
        self.pattern = pattern
        self.provider = provider
        self.periods = periods
        self.origin = origin
    }

    /// The prices in force at `time`: those of the last period that started at or
    /// before it. Before the first dated period there is no price, rather than a
    /// guess, so old traffic is never costed at prices that did not exist yet.
    public func period(at time: Timestamp) -> PricePeriod? {
        periods.last { ($0.effectiveFrom ?? .min) <= time }
    }
}

/// The price a model was matched to.
public struct PriceMatch: Sendable {
    public let entry: PriceEntry
    public let period: PricePeriod
}

/// A model price table with the precedence the README documents:
///
/// 1. an exact name beats every regex, wherever it is in the file;
/// 2. otherwise the first regex in file order that matches the whole name wins,
///    so specific patterns go before general ones (`gpt-4o-mini.*` before `gpt-4o.*`);
/// 3. a name with a provider prefix (`openai/gpt-4o`, as LiteLLM writes it) that
///    matches nothing as a whole is looked up again without the prefix, among the
///    rows of that provider only.
public struct PriceTable: Sendable {
    public let entries: [PriceEntry]
    private let exact: [String: [Int]]
    private let regexIndices: [Int]

    public static let empty = try! PriceTable(entries: [])

    public init(entries: [PriceEntry]) throws {
        var exact: [String: [Int]] = [:]
        var regexIndices: [Int] = []
        for (index, entry) in entries.enumerated() {
            switch entry.pattern {
            case .names(let names):
                for name in names {
                    if let earlier = exact[name], earlier.contains(where: { entries[$0].provider == entry.provider }) {
                        throw InfermonError.invalidArgument(
                            "model \"\(name)\" of provider \(entry.provider) is priced twice\(entry.origin.map { " (\($0))" } ?? "")"
                        )
                    }
                    exact[name, default: []].append(index)
                }
            case .regex:
                regexIndices.append(index)
            }
        }
        self.entries = entries
        self.exact = exact
        self.regexIndices = regexIndices
    }

    public var isEmpty: Bool { entries.isEmpty }

    /// The row that prices `model`, whatever the time, or nil.
    public func entryIndex(forModel model: String) -> Int? {
        if let index = match(model, provider: nil) { return index }
        if let slash = model.firstIndex(of: "/") {
            let provider = String(model[..<slash])
            let rest = String(model[model.index(after: slash)...])
            if !rest.isEmpty { return match(rest, provider: provider) }
        }
        return nil
    }

    /// The prices for `model` at `time`, or nil when it has none then.
    public func price(model: String, at time: Timestamp) -> PriceMatch? {
        guard let index = entryIndex(forModel: model) else { return nil }
        return price(entryIndex: index, at: time)
    }

    public func price(entryIndex index: Int, at time: Timestamp) -> PriceMatch? {
        let entry = entries[index]
        return entry.period(at: time).map { PriceMatch(entry: entry, period: $0) }
    }

    private func match(_ name: String, provider: String?) -> Int? {
        if let candidates = exact[name] {
            if provider == nil { return candidates.first }
            if let hit = candidates.first(where: { entries[$0].provider == provider }) { return hit }
        }
        for index in regexIndices {
            let entry = entries[index]
            if let provider, entry.provider != provider { continue }
            if case .regex(let regex) = entry.pattern, regex.matches(name) { return index }
        }
        return nil
    }
}
