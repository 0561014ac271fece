/// One name/value pair of a series identity.
public struct Label: Hashable, Sendable, Comparable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    public static func < (lhs: Label, rhs: Label) -> Bool {
        lhs.name == rhs.name ? lhs.value < rhs.value : lhs.name < rhs.name
    }
}

/// A series identity: labels sorted by name, empty values dropped, as Prometheus
/// treats them. Keeping the order canonical makes equality and hashing cheap and
/// lets two label sets built in any order compare equal.
public struct Labels: Hashable, Sendable, Comparable, Sequence, CustomStringConvertible {
    public private(set) var pairs: [Label]

    /// The reserved label that carries the metric name.
    public static let metricName = "__name__"

    public init() { pairs = [] }

    public init(_ pairs: [Label]) {
        var sorted = pairs.filter { !$0.value.isEmpty }.sorted()
        // Last writer wins on duplicate names, as when a builder sets a name twice.
        var deduplicated: [Label] = []
        deduplicated.reserveCapacity(sorted.count)
        for pair in sorted {
            if let last = deduplicated.last, last.name == pair.name {
                deduplicated[deduplicated.count - 1] = pair
            } else {
                deduplicated.append(pair)
            }
        }
        sorted = deduplicated
        self.pairs = sorted
    }

    public init(_ dictionary: [String: String]) {
        self.init(dictionary.map { Label($0.key, $0.value) })
    }

    public init(name: String, _ dictionary: [String: String] = [:]) {
        var all = dictionary
        all[Self.metricName] = name
        self.init(all)
    }

    public subscript(name: String) -> String? {
        // Label sets are small; a linear scan beats a binary search below ~16 pairs.
        for pair in pairs where pair.name == name { return pair.value }
        return nil
    }

    public var name: String? { self[Self.metricName] }
    public var count: Int { pairs.count }
    public var isEmpty: Bool { pairs.isEmpty }

    public func makeIterator() -> IndexingIterator<[Label]> { pairs.makeIterator() }

    /// Returns a copy with `name` set to `value`; an empty value removes the label.
    public func setting(_ name: String, to value: String) -> Labels {
        var copy = pairs.filter { $0.name != name }
        if !value.isEmpty { copy.append(Label(name, value)) }
        return Labels(copy)
    }

    public func removing(_ names: Set<String>) -> Labels {
        var copy = self
        copy.pairs.removeAll { names.contains($0.name) }
        return copy
    }

    public func keeping(_ names: Set<String>) -> Labels {
        var copy = self
        copy.pairs.removeAll { !names.contains($0.name) }
        return copy
    }

    public var withoutName: Labels { removing([Self.metricName]) }

    public var dictionary: [String: String] {
        Dictionary(uniqueKeysWithValues: pairs.map { ($0.name, $0.value) })
    }

    public static func < (lhs: Labels, rhs: Labels) -> Bool {
        for (left, right) in zip(lhs.pairs, rhs.pairs) where left != right {
            return left < right
        }
        return lhs.pairs.count < rhs.pairs.count
    }

    /// Prometheus text form: `name{a="1", b="2"}`.
    public var description: String {
        var out = name ?? ""
        let rest = pairs.filter { $0.name != Self.metricName }
        if rest.isEmpty && !out.isEmpty { return out }
        out += "{"
        out += rest.map { "\($0.name)=\"\(escapeLabelValue($0.value))\"" }.joined(separator: ", ")
        out += "}"
        return out
    }
}

/// Escapes a label value for the Prometheus text formats.
public func escapeLabelValue(_ value: String) -> String {
    // Scanned as bytes: faster than Characters, and a "\r\n" (one Character) still has its newline escaped.
    guard value.utf8.contains(where: { $0 == 0x5C || $0 == 0x22 || $0 == 0x0A }) else { return value }
    var out = ""
    out.reserveCapacity(value.utf8.count + 4)
    for scalar in value.unicodeScalars {
        switch scalar {
        case "\\": out += "\\\\"
        case "\"": out += "\\\""
        case "\n": out += "\\n"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}
