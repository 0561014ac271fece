public import InfermonCore
public import Query

/// Where a dashboard gets its data: the local store (`--db`) or a running
/// daemon's HTTP API (`--server`). Queries throw on failure; the alert and
/// notification feeds answer `.notAvailable` when the other side does not
/// offer them (an older daemon), so their panels say so instead of failing.
public protocol DashboardDataSource: Sendable {
    /// For the status line: `db /var/lib/infermon/infermon.db`, `http://127.0.0.1:9464`.
    var label: String { get }
    func instant(_ query: String, at time: Timestamp) async throws -> QueryResult
    func range(_ query: String, start: Timestamp, end: Timestamp, step: Int64) async throws -> QueryResult
    func activeAlerts() async throws -> Feed<[ActiveAlert]>
    func recentNotifications(limit: Int) async throws -> Feed<[NotificationRecord]>
}

/// A feed that may not exist on the other side.
public enum Feed<Value: Sendable>: Sendable {
    case available(Value)
    case notAvailable(String)
}

/// An alert that is pending or firing, as `/api/v1/alerts` lists it.
public struct ActiveAlert: Sendable, Hashable {
    public var labels: Labels
    public var annotations: [String: String]
    public var state: String
    public var activeAt: Timestamp?
    public var value: String

    public init(
        labels: Labels, annotations: [String: String] = [:], state: String = "firing", activeAt: Timestamp? = nil,
        value: String = ""
    ) {
        self.labels = labels
        self.annotations = annotations
        self.state = state
        self.activeAt = activeAt
        self.value = value
    }

    public var name: String { labels["alertname"] ?? "?" }
    public var severity: String { labels["severity"] ?? "" }

    /// The summary annotation, else the description, else the labels that tell alerts of one rule apart.
    public var summary: String {
        if let summary = annotations["summary"], !summary.isEmpty { return summary }
        if let description = annotations["description"], !description.isEmpty { return description }
        let rest = labels.removing(["alertname", "severity", "alertstate", Labels.metricName])
        return rest.pairs.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
    }

    /// Most severe first, then oldest first.
    static func displayOrder(_ lhs: ActiveAlert, _ rhs: ActiveAlert) -> Bool {
        let left = severityRank(lhs.severity)
        let right = severityRank(rhs.severity)
        if left != right { return left < right }
        if lhs.state != rhs.state { return lhs.state == "firing" }
        return (lhs.activeAt ?? .max) < (rhs.activeAt ?? .max)
    }

    static func severityRank(_ severity: String) -> Int {
        switch severity.lowercased() {
        case "critical", "page", "error": return 0
        case "warning", "ticket": return 1
        case "info": return 2
        default: return 3
        }
    }
}

/// One notification sent (or queued) to a receiver.
public struct NotificationRecord: Sendable, Hashable {
    public var sentAt: Timestamp
    public var receiver: String
    public var alertNames: [String]
    public var firing: Int
    public var resolved: Int

    public init(sentAt: Timestamp, receiver: String, alertNames: [String], firing: Int, resolved: Int) {
        self.sentAt = sentAt
        self.receiver = receiver
        self.alertNames = alertNames
        self.firing = firing
        self.resolved = resolved
    }
}
