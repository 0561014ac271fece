import InfermonCore

extension Configuration {
    /// One entry of `budgets:`: a spending limit per day or month (UTC) for the
    /// requests its selector picks.
    ///
    /// ```yaml
    /// budgets:
    ///   - name: acme-monthly
    ///     tenant: acme            # optional; anchored regexes, like PromQL's =~
    ///     model: "gpt-4o.*"       # optional; also route, model_version
    ///     period: month           # day | month
    ///     amount_usd: 5000
    /// ```
    public struct BudgetSection: Sendable, Equatable {
        public enum Period: String, Sendable, CaseIterable { case day, month }

        public var name: String
        /// Label name → anchored regular expression, over model, model_version, route and tenant.
        public var selector: [String: String]
        public var period: Period
        public var amountUSD: Double

        public init(name: String, selector: [String: String] = [:], period: Period, amountUSD: Double) {
            self.name = name
            self.selector = selector
            self.period = period
            self.amountUSD = amountUSD
        }

        static func parseList(_ value: YAMLValue) throws -> [BudgetSection] {
            var names: Set<String> = []
            return try value.sequence().map { item in
                let map = try item.mapping(allowed: Set(selectorKeys).union(["name", "period", "amount_usd"]))
                let name = try objectName(map.required("name"), unique: &names, kind: "budget")
                let periodValue = try map.required("period")
                let period = Period(rawValue: try periodValue.oneOf(Period.allCases.map(\.rawValue)))!
                let amountValue = try map.required("amount_usd")
                let amount = try amountValue.double()
                guard amount > 0 else { throw amountValue.error("a budget must be more than 0 USD") }
                return BudgetSection(name: name, selector: try parseSelector(map), period: period, amountUSD: amount)
            }
        }
    }
}

/// The event labels budgets and SLOs select requests by.
let selectorKeys = ["model", "model_version", "route", "tenant"]

/// The selector keys present in `map`, each checked to be a valid regular expression.
func parseSelector(_ map: YAMLMapping) throws -> [String: String] {
    var result: [String: String] = [:]
    for key in selectorKeys {
        guard let value = map[key] else { continue }
        let pattern = try value.string()
        do { _ = try AnchoredRegex(pattern) } catch let error as InfermonError { throw value.error(error.message) }
        result[key] = pattern
    }
    return result
}

/// A budget or SLO name: it becomes a label value and part of rule group names,
/// so it is kept to letters, digits, `_`, `-` and `.`, and must be unique.
func objectName(_ value: YAMLValue, unique names: inout Set<String>, kind: String) throws -> String {
    let name = try value.string()
    let allowed = name.unicodeScalars.allSatisfy {
        (("0"..."9").contains($0) || ("a"..."z").contains($0) || ("A"..."Z").contains($0)
            || "_-.".unicodeScalars.contains($0))
    }
    guard !name.isEmpty, allowed, name.first != "-", name.first != "." else {
        throw value.error("\(kind) names use letters, digits, _, - and . and start with a letter or digit")
    }
    guard names.insert(name).inserted else { throw value.error("duplicate \(kind) name \"\(name)\"") }
    return name
}
