/// An alert as the rule engine hands it to notification, in Alertmanager's
/// terms: while firing it is re-sent with `endsAt` a little in the future; once
/// resolved it is sent with `endsAt` at the resolve time.
public struct Alert: Sendable, Hashable {
    /// Identity, including `alertname`.
    public var labels: Labels
    public var annotations: [String: String]
    public var startsAt: Timestamp
    /// When the alert stops counting as firing unless refreshed; the resolve time once resolved.
    public var endsAt: Timestamp
    public var generatorURL: String

    public init(
        labels: Labels, annotations: [String: String] = [:], startsAt: Timestamp, endsAt: Timestamp,
        generatorURL: String = ""
    ) {
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.generatorURL = generatorURL
    }

    public var name: String { labels["alertname"] ?? "" }

    /// Resolved at `now` when its end has passed.
    public func isResolved(at now: Timestamp) -> Bool { endsAt <= now }

    /// A stable 64-bit identity of the label set (FNV-1a over sorted pairs), as
    /// Alertmanager fingerprints alerts for grouping and deduplication.
    public var fingerprint: UInt64 { labels.fingerprint }
}

extension Labels {
    /// FNV-1a over `name \xff value \xff` of every pair in order: stable across
    /// processes and versions, unlike `hashValue`.
    public var fingerprint: UInt64 {
        var hasher = FNV1a()
        for pair in pairs {
            hasher.combine(pair.name.utf8)
            hasher.combine(0xff)
            hasher.combine(pair.value.utf8)
            hasher.combine(0xff)
        }
        return hasher.value
    }
}

/// Where the rule engine sends alerts: notification routing, or a test double.
public protocol AlertSink: Sendable {
    func send(_ alerts: [Alert]) async throws
}
