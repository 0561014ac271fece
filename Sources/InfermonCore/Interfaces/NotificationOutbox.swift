/// One notification on its way to a receiver integration. It is written to the
/// store before the first attempt and removed only after a 2xx, so a crash or a
/// receiver outage delays it but never loses it. The id goes out as
/// `webhook-id`: every attempt of the same message carries the same one.
public struct OutboxMessage: Sendable, Hashable {
    public var id: String
    /// The receiver integration that sends it (`receiver/kind[index]`).
    public var integration: String
    public var groupKey: String
    /// The rendered payload, fixed at enqueue time so retries send identical bytes.
    public var body: [UInt8]
    public var createdAt: Timestamp
    /// After this the message is given up and moved to the dead letters.
    public var expiresAt: Timestamp
    public var attempts: Int
    public var nextAttemptAt: Timestamp
    public var lastError: String?

    public init(
        id: String, integration: String, groupKey: String, body: [UInt8], createdAt: Timestamp, expiresAt: Timestamp,
        attempts: Int = 0, nextAttemptAt: Timestamp? = nil, lastError: String? = nil
    ) {
        self.id = id
        self.integration = integration
        self.groupKey = groupKey
        self.body = body
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt ?? createdAt
        self.lastError = lastError
    }
}

/// A message that was given up: expired, refused for good, or sent to a
/// receiver that no longer exists.
public struct DeadNotification: Sendable, Hashable {
    public var message: OutboxMessage
    public var failedAt: Timestamp
    public var reason: String

    public init(message: OutboxMessage, failedAt: Timestamp, reason: String) {
        self.message = message
        self.failedAt = failedAt
        self.reason = reason
    }
}

/// The durable queue between routing and delivery. Messages of one integration
/// leave in the order they were queued, so a resolve never overtakes its firing.
public protocol NotificationOutbox: Sendable {
    /// Queues messages and records the notification-log entries they fulfil, atomically.
    func enqueue(_ messages: [OutboxMessage], log entries: [NotificationLogEntry]) async throws
    /// The oldest queued message of every integration, due or not.
    func outboxHeads() async throws -> [OutboxMessage]
    /// Every queued message, oldest first (for status pages and tests).
    func outboxMessages() async throws -> [OutboxMessage]
    func markDelivered(id: String) async throws
    func reschedule(id: String, attempts: Int, nextAttemptAt: Timestamp, error: String) async throws
    /// Moves a message to the dead letters and counts it, atomically.
    func deadLetter(id: String, reason: String, at time: Timestamp) async throws
    /// The most recent dead letters, newest first.
    func deadNotifications(limit: Int) async throws -> [DeadNotification]
    /// Messages ever dead-lettered, per integration; survives restarts and dead-letter pruning.
    func deadLetterCounts() async throws -> [String: Int]
}
