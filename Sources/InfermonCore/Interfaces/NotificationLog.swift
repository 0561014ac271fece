/// What was last notified for one aggregation group to one receiver integration,
/// as Alertmanager's notification log keeps it. It decides whether the next
/// flush sends anything, and because it holds the firing alerts themselves, a
/// restarted daemon can still resolve alerts whose rule stopped reporting them.
public struct NotificationLogEntry: Sendable, Hashable {
    /// The aggregation group (`{route matchers}:{group labels}`).
    public var groupKey: String
    /// The receiver integration (`receiver/kind[index]`).
    public var integration: String
    public var sentAt: Timestamp
    /// The alerts notified as firing, as they were at that moment.
    public var firing: [Alert]
    /// Fingerprints of the alerts notified as resolved.
    public var resolved: Set<UInt64>

    public init(groupKey: String, integration: String, sentAt: Timestamp, firing: [Alert], resolved: Set<UInt64>) {
        self.groupKey = groupKey
        self.integration = integration
        self.sentAt = sentAt
        self.firing = firing
        self.resolved = resolved
    }

    public var firingFingerprints: Set<UInt64> { Set(firing.map(\.fingerprint)) }
}

/// Reads and prunes the notification log. Entries are written together with the
/// outbox messages they describe (`NotificationOutbox.enqueue`), in one
/// transaction, so the log never claims a notification the outbox does not hold.
public protocol NotificationLogStore: Sendable {
    func notificationLog() async throws -> [NotificationLogEntry]
    /// Deletes entries last written before `cutoff`; returns how many.
    @discardableResult
    func pruneNotificationLog(sentBefore cutoff: Timestamp) async throws -> Int
}

/// Everything notification keeps in the store.
public typealias NotificationPersistence = SilenceStore & NotificationOutbox & NotificationLogStore
