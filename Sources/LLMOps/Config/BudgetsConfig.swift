import InfermonCore
public import InfermonYAML

/// `budgets:`: spending limits per day or month (UTC) for the requests each
/// selector picks.
///
/// ```yaml
/// budgets:
///   - name: acme-monthly
///     tenant: acme            # optional; anchored regexes, like PromQL's =~
///     model: "gpt-4o.*"       # optional; also route, model_version
///     period: month           # day | month
///     amount_usd: 5000
/// ```
extension Budget {
    public static func list(yaml value: YAMLValue) throws -> [Budget] {
        var names: Set<String> = []
        return try value.sequence().map { item in
            let map = try item.mapping(allowed: Set(selectorKeys).union(["name", "period", "amount_usd"]))
            let name = try objectName(map.required("name"), unique: &names, kind: "budget")
            let period = try map.required("period").oneOf(Period.self)
            let amountValue = try map.required("amount_usd")
            let amount = try amountValue.double()
            guard amount > 0 else { throw amountValue.error("a budget must be more than 0 USD") }
            return Budget(name: name, selector: try selectorMatchers(map), period: period, amountUSD: amount)
        }
    }
}

/// The event labels budgets and SLOs select requests by.
let selectorKeys = ["model", "model_version", "route", "tenant"]

/// The selector keys present in `map`, each a valid regular expression, as matchers in key order.
func selectorMatchers(_ map: YAMLMapping) throws -> [LabelMatcher] {
    var result: [LabelMatcher] = []
    for key in selectorKeys.sorted() {
        guard let value = map[key] else { continue }
        let pattern = try value.string()
        do { _ = try AnchoredRegex(pattern) } catch let error as InfermonError { throw value.error(error.message) }
        result.append(try LabelMatcher(key, .matchRegex, pattern))
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
