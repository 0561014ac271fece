public import InfermonCore

/// What a notifier renders: one aggregation group's alerts at flush time.
public struct NotificationGroup: Sendable {
    public var receiver: String
    public var groupKey: String
    public var groupLabels: Labels
    /// Firing and (when the integration sends them) resolved alerts, sorted by labels.
    public var alerts: [Alert]
    /// The flush time: an alert whose `endsAt` is not after it is resolved.
    public var now: Timestamp
    public var externalURL: String

    public init(
        receiver: String, groupKey: String, groupLabels: Labels, alerts: [Alert], now: Timestamp,
        externalURL: String = ""
    ) {
        self.receiver = receiver
        self.groupKey = groupKey
        self.groupLabels = groupLabels
        self.alerts = alerts
        self.now = now
        self.externalURL = externalURL
    }

    public func isResolved(_ alert: Alert) -> Bool { alert.isResolved(at: now) }
    public var firing: [Alert] { alerts.filter { !isResolved($0) } }
    public var resolved: [Alert] { alerts.filter { isResolved($0) } }
    /// `firing` while any alert fires, as Alertmanager reports a group.
    public var status: String { firing.isEmpty ? "resolved" : "firing" }

    /// Labels every alert shares with the same value.
    public var commonLabels: Labels {
        guard let first = alerts.first else { return Labels() }
        return Labels(first.labels.pairs.filter { pair in alerts.allSatisfy { $0.labels[pair.name] == pair.value } })
    }

    public var commonAnnotations: [String: String] {
        guard let first = alerts.first else { return [:] }
        return first.annotations.filter { key, value in alerts.allSatisfy { $0.annotations[key] == value } }
    }

    /// A one-line title such as `[FIRING:2] HighErrorRate (model="gpt-4o")`.
    public var title: String {
        var text = "[\(status.uppercased())"
        if !firing.isEmpty { text += ":\(firing.count)" }
        text += "]"
        let name = groupLabels["alertname"] ?? commonLabels["alertname"]
        if let name { text += " \(name)" }
        let rest = groupLabels.pairs.filter { $0.name != "alertname" }
        if !rest.isEmpty {
            text += " (" + rest.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: " ") + ")"
        }
        return text
    }
}
