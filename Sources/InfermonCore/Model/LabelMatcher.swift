/// A selector term: `name op "value"`. Regexes are fully anchored, as in Prometheus.
public struct LabelMatcher: Sendable, Hashable, CustomStringConvertible {
    public enum Operator: String, Sendable, Hashable {
        case equal = "="
        case notEqual = "!="
        case matchRegex = "=~"
        case notMatchRegex = "!~"
    }

    public let name: String
    public let op: Operator
    public let value: String
    private let regex: AnchoredRegex?

    public init(_ name: String, _ op: Operator, _ value: String) throws {
        self.name = name
        self.op = op
        self.value = value
        switch op {
        case .equal, .notEqual: regex = nil
        case .matchRegex, .notMatchRegex: regex = try AnchoredRegex(value)
        }
    }

    public static func equal(_ name: String, _ value: String) -> LabelMatcher {
        // Equality matchers compile nothing, so they cannot fail.
        try! LabelMatcher(name, .equal, value)
    }

    /// Whether a label value (the empty string when the label is absent) matches.
    public func matches(_ candidate: String) -> Bool {
        switch op {
        case .equal: return candidate == value
        case .notEqual: return candidate != value
        case .matchRegex: return regex!.matches(candidate)
        case .notMatchRegex: return !regex!.matches(candidate)
        }
    }

    public func matches(_ labels: Labels) -> Bool { matches(labels[name] ?? "") }

    /// Whether the matcher accepts the empty string, i.e. also selects series that lack the label.
    public var matchesEmpty: Bool { matches("") }

    public var description: String { "\(name)\(op.rawValue)\"\(escapeLabelValue(value))\"" }

    public static func == (lhs: LabelMatcher, rhs: LabelMatcher) -> Bool {
        lhs.name == rhs.name && lhs.op == rhs.op && lhs.value == rhs.value
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(op)
        hasher.combine(value)
    }
}

/// Matches all selectors in a list.
extension Array where Element == LabelMatcher {
    public func matches(_ labels: Labels) -> Bool { allSatisfy { $0.matches(labels) } }
}
