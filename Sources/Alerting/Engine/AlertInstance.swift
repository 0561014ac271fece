public import InfermonCore

/// Where an alert is in its life: Prometheus's states. A resolved alert is
/// `inactive` with `resolvedAt` set, and is kept (and re-sent) for a while.
public enum AlertState: String, Sendable, Hashable, Comparable {
    case inactive, pending, firing

    private var rank: Int {
        switch self {
        case .inactive: 0
        case .pending: 1
        case .firing: 2
        }
    }

    public static func < (lhs: AlertState, rhs: AlertState) -> Bool { lhs.rank < rhs.rank }
}

/// One alert of an alerting rule, keyed by its labels.
public struct AlertInstance: Sendable, Hashable {
    public var labels: Labels
    public var annotations: [String: String]
    public var state: AlertState
    public var value: Double
    public var activeAt: Timestamp
    public var firedAt: Timestamp?
    public var resolvedAt: Timestamp?
    public var keepFiringSince: Timestamp?
    public var lastSentAt: Timestamp?
    public var validUntil: Timestamp?

    public init(
        labels: Labels, annotations: [String: String], state: AlertState, value: Double, activeAt: Timestamp,
        firedAt: Timestamp? = nil, resolvedAt: Timestamp? = nil, keepFiringSince: Timestamp? = nil,
        lastSentAt: Timestamp? = nil, validUntil: Timestamp? = nil
    ) {
        self.labels = labels
        self.annotations = annotations
        self.state = state
        self.value = value
        self.activeAt = activeAt
        self.firedAt = firedAt
        self.resolvedAt = resolvedAt
        self.keepFiringSince = keepFiringSince
        self.lastSentAt = lastSentAt
        self.validUntil = validUntil
    }

    /// Prometheus's `needsSending`: never while pending; at once after a
    /// resolve not yet sent; otherwise once the resend delay has passed.
    func needsSending(at time: Timestamp, resendDelay: Int64) -> Bool {
        if state == .pending { return false }
        if let resolvedAt, resolvedAt > (lastSentAt ?? .min) { return true }
        guard let lastSentAt else { return true }
        return lastSentAt + resendDelay < time
    }

    /// The alert as notification receives it: `startsAt` is when it fired;
    /// `endsAt` is the resolve time, or `validUntil` while it fires. External
    /// labels are added where the alert has no label of that name.
    func notification(externalLabels: Labels, generatorURL: String) -> Alert {
        var labels = self.labels
        for label in externalLabels where labels[label.name] == nil {
            labels = labels.setting(label.name, to: label.value)
        }
        return Alert(
            labels: labels, annotations: annotations, startsAt: firedAt ?? activeAt,
            endsAt: resolvedAt ?? validUntil ?? activeAt, generatorURL: generatorURL)
    }
}
