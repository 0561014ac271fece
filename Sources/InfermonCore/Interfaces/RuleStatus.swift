/// What the rule engine reports about itself, for `/api/v1/rules`,
/// `/api/v1/alerts` and `infermon alerts`: plain values, so the HTTP server
/// needs no dependency on the engine.
public struct RuleGroupStatus: Sendable, Hashable {
    public var name: String
    public var file: String
    /// Milliseconds.
    public var interval: Int64
    public var limit: Int
    public var rules: [RuleStatus]
    /// Seconds the last evaluation of the whole group took.
    public var evaluationTime: Double
    /// Nil before the first evaluation.
    public var lastEvaluation: Timestamp?

    public init(
        name: String, file: String, interval: Int64, limit: Int, rules: [RuleStatus], evaluationTime: Double,
        lastEvaluation: Timestamp?
    ) {
        self.name = name
        self.file = file
        self.interval = interval
        self.limit = limit
        self.rules = rules
        self.evaluationTime = evaluationTime
        self.lastEvaluation = lastEvaluation
    }
}

public struct RuleStatus: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable { case alerting, recording }
    public enum Health: String, Sendable, Hashable { case unknown, ok, err }

    public var kind: Kind
    public var name: String
    public var query: String
    /// `for` and `keep_firing_for`, milliseconds (alerting rules).
    public var duration: Int64
    public var keepFiringFor: Int64
    /// As written in the rule file (templates unexpanded).
    public var labels: [String: String]
    public var annotations: [String: String]
    /// Pending and firing alerts (alerting rules).
    public var alerts: [ActiveAlertStatus]
    public var health: Health
    public var lastError: String?
    public var evaluationTime: Double
    public var lastEvaluation: Timestamp?

    public init(
        kind: Kind, name: String, query: String, duration: Int64 = 0, keepFiringFor: Int64 = 0,
        labels: [String: String] = [:], annotations: [String: String] = [:], alerts: [ActiveAlertStatus] = [],
        health: Health = .unknown, lastError: String? = nil, evaluationTime: Double = 0,
        lastEvaluation: Timestamp? = nil
    ) {
        self.kind = kind
        self.name = name
        self.query = query
        self.duration = duration
        self.keepFiringFor = keepFiringFor
        self.labels = labels
        self.annotations = annotations
        self.alerts = alerts
        self.health = health
        self.lastError = lastError
        self.evaluationTime = evaluationTime
        self.lastEvaluation = lastEvaluation
    }

    /// The highest state of the rule's alerts: firing, pending or inactive.
    public var state: String {
        if alerts.contains(where: { $0.state == "firing" }) { return "firing" }
        if alerts.contains(where: { $0.state == "pending" }) { return "pending" }
        return "inactive"
    }
}

/// A pending or firing alert.
public struct ActiveAlertStatus: Sendable, Hashable {
    public var labels: Labels
    public var annotations: [String: String]
    /// "pending" or "firing".
    public var state: String
    public var activeAt: Timestamp
    public var value: Double

    public init(labels: Labels, annotations: [String: String], state: String, activeAt: Timestamp, value: Double) {
        self.labels = labels
        self.annotations = annotations
        self.state = state
        self.activeAt = activeAt
        self.value = value
    }
}

/// The rule engine as the HTTP API sees it.
public protocol RuleStatusProvider: Sendable {
    func ruleGroups() async -> [RuleGroupStatus]
}
