/// The state of one alert instance as the rule engine keeps it across
/// restarts: when it became active, when it fired, when it resolved, whether
/// `keep_firing_for` is holding it, and when it was last sent. With it a
/// restarted daemon neither re-fires what was already firing nor forgets a
/// resolve that happened while it was down.
public struct StoredAlertState: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        case pending, firing
        /// Resolved, kept for a while so the resolve is re-sent.
        case inactive
    }

    /// The rule group's key (`file;name`).
    public var groupKey: String
    /// The alerting rule's name.
    public var rule: String
    /// Which rule of that name in the group (0 for the first): rules may share a name.
    public var occurrence: Int
    /// The alert's labels, including `alertname`.
    public var labels: Labels
    public var annotations: [String: String]
    public var state: State
    public var activeAt: Timestamp
    public var firedAt: Timestamp?
    public var resolvedAt: Timestamp?
    public var keepFiringSince: Timestamp?
    public var lastSentAt: Timestamp?
    public var validUntil: Timestamp?

    public init(
        groupKey: String, rule: String, occurrence: Int, labels: Labels, annotations: [String: String],
        state: State, activeAt: Timestamp, firedAt: Timestamp? = nil, resolvedAt: Timestamp? = nil,
        keepFiringSince: Timestamp? = nil, lastSentAt: Timestamp? = nil, validUntil: Timestamp? = nil
    ) {
        self.groupKey = groupKey
        self.rule = rule
        self.occurrence = occurrence
        self.labels = labels
        self.annotations = annotations
        self.state = state
        self.activeAt = activeAt
        self.firedAt = firedAt
        self.resolvedAt = resolvedAt
        self.keepFiringSince = keepFiringSince
        self.lastSentAt = lastSentAt
        self.validUntil = validUntil
    }
}

/// Where alert states are kept: the SQLite store, or a test double.
public protocol AlertStateStore: Sendable {
    /// Every stored alert state, of every group.
    func alertStates() async throws -> [StoredAlertState]
    /// Replaces the stored states of one group in one transaction.
    func replaceAlertStates(groupKey: String, with states: [StoredAlertState]) async throws
    /// Deletes the states of groups not in `groupKeys` (groups removed from the rule files).
    @discardableResult
    func deleteAlertStates(exceptGroups groupKeys: Set<String>) async throws -> Int
}
