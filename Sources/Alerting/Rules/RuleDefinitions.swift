public import InfermonCore
public import Query
public import Templates

/// A group of rules from a Prometheus rule file: evaluated together, in
/// order, on the group's interval.
public struct RuleGroupDefinition: Sendable {
    public var name: String
    /// The rule file, as it was named (relative paths stay relative, as in Prometheus's API).
    public var file: String
    /// Milliseconds; nil means the global evaluation interval.
    public var interval: Int64?
    /// Most alerts (or recorded series) one rule may produce; 0 is no limit.
    public var limit: Int
    public var rules: [RuleDefinition]
    public var location: SourceLocation

    /// Prometheus's group key, `file;name`: unique across all loaded files.
    public var key: String { file + ";" + name }

    public init(
        name: String, file: String, interval: Int64? = nil, limit: Int = 0, rules: [RuleDefinition],
        location: SourceLocation? = nil
    ) {
        self.name = name
        self.file = file
        self.interval = interval
        self.limit = limit
        self.rules = rules
        self.location = location ?? SourceLocation(file: file, line: 1, column: 1)
    }
}

/// One alerting or recording rule.
public struct RuleDefinition: Sendable {
    public enum Kind: String, Sendable { case alerting, recording }

    public var kind: Kind
    /// The alert name, or the recorded metric name.
    public var name: String
    public var expression: Expression
    /// The expression as Prometheus prints it back (the `query` of `/api/v1/rules`).
    public var query: String
    /// `for`, in milliseconds.
    public var holdDuration: Int64
    /// `keep_firing_for`, in milliseconds.
    public var keepFiringFor: Int64
    /// Label templates by name (plain values for recording rules).
    public var labels: [(name: String, template: AlertTemplate)]
    public var annotations: [(name: String, template: AlertTemplate)]
    public var location: SourceLocation

    public init(
        kind: Kind, name: String, expression: Expression, holdDuration: Int64 = 0, keepFiringFor: Int64 = 0,
        labels: [(name: String, template: AlertTemplate)] = [],
        annotations: [(name: String, template: AlertTemplate)] = [], location: SourceLocation? = nil
    ) {
        self.kind = kind
        self.name = name
        self.expression = expression
        self.query = expression.description
        self.holdDuration = holdDuration
        self.keepFiringFor = keepFiringFor
        self.labels = labels.sorted { $0.name < $1.name }
        self.annotations = annotations.sorted { $0.name < $1.name }
        self.location = location ?? SourceLocation(file: "", line: 1, column: 1)
    }

    /// The labels as written, before templating.
    public var rawLabels: [String: String] {
        Dictionary(labels.map { ($0.name, $0.template.text) }, uniquingKeysWith: { $1 })
    }

    public var rawAnnotations: [String: String] {
        Dictionary(annotations.map { ($0.name, $0.template.text) }, uniquingKeysWith: { $1 })
    }
}
