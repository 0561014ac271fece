public import InfermonCore
import InfermonYAML

/// One entry of `write_relabel_configs`, the keep/drop part of Prometheus's
/// relabelling: the values of `source_labels` joined by `separator` must (keep)
/// or must not (drop) match `regex`, anchored at both ends. Rules run in order;
/// a series must pass all of them.
public struct WriteRelabelRule: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable { case keep, drop }

    public var action: Action
    public var sourceLabels: [String]
    public var separator: String
    public var regex: AnchoredRegex

    public init(action: Action, sourceLabels: [String], separator: String = ";", regex: AnchoredRegex) {
        self.action = action
        self.sourceLabels = sourceLabels
        self.separator = separator
        self.regex = regex
    }

    static let keys: Set<String> = ["action", "source_labels", "separator", "regex"]

    init(yaml value: YAMLValue) throws {
        let map = try value.mapping(allowed: Self.keys)
        // Prometheus's default action is `replace`, which does not apply to an
        // outgoing series filter; so the action is required here.
        action = try map.required("action").oneOf(Action.self)
        let sources = try map.required("source_labels")
        sourceLabels = try sources.stringList()
        guard !sourceLabels.isEmpty else { throw sources.error("source_labels needs at least one label name") }
        separator = try map["separator"]?.string() ?? ";"
        let pattern = try map["regex"]?.string() ?? "(.*)"
        do { regex = try AnchoredRegex(pattern) } catch { throw map["regex"]!.error("\(error)") }
    }

    /// Whether the series passes this rule.
    public func admits(_ labels: Labels) -> Bool {
        let value = sourceLabels.map { labels[$0] ?? "" }.joined(separator: separator)
        return regex.matches(value) == (action == .keep)
    }
}

extension [WriteRelabelRule] {
    public func admit(_ labels: Labels) -> Bool { allSatisfy { $0.admits(labels) } }
}
