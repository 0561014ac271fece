public import InfermonCore

/// The notification outbox and its dead letters in SQLite. Every change is a
/// short transaction on the writer queue, so a message is either queued with
/// its log entry, or not at all.
extension SQLiteStore: NotificationOutbox {
    /// Dead notifications are kept this long for inspection; the per-integration counters are kept for good.
    static let notificationDeadLetterRetention: Int64 = 14 * 86_400_000

    private static let messageColumns =
        "id, integration, group_key, body, created_at, expires_at, attempts, next_attempt_at, last_error"

    public func enqueue(_ messages: [OutboxMessage], log entries: [NotificationLogEntry]) async throws {
        try await onWriter { writer in
            try writer.connection.transaction {
                let insert = try writer.connection.cached(
                    "INSERT INTO notification_outbox (\(Self.messageColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
                for message in messages {
                    insert.reset()
                    insert.bind(1, message.id)
                    insert.bind(2, message.integration)
                    insert.bind(3, message.groupKey)
                    insert.bind(4, blob: message.body)
                    insert.bind(5, message.createdAt)
                    insert.bind(6, message.expiresAt)
                    insert.bind(7, message.attempts)
                    insert.bind(8, message.nextAttemptAt)
                    insert.bind(9, message.lastError)
                    try insert.run()
                }
                try Self.upsertLog(entries, connection: writer.connection)
            }
        }
    }

    public func outboxHeads() async throws -> [OutboxMessage] {
        try await onWriter { writer in
            try Self.readMessages(
                writer.connection,
                "SELECT \(Self.messageColumns) FROM notification_outbox WHERE seq IN "
                    + "(SELECT MIN(seq) FROM notification_outbox GROUP BY integration) ORDER BY seq")
        }
    }

    public func outboxMessages() async throws -> [OutboxMessage] {
        try await onWriter { writer in
            try Self.readMessages(
                writer.connection, "SELECT \(Self.messageColumns) FROM notification_outbox ORDER BY seq")
        }
    }

    public func markDelivered(id: String) async throws {
        try await onWriter { writer in
            let delete = try writer.connection.cached("DELETE FROM notification_outbox WHERE id = ?")
            delete.bind(1, id)
            try delete.run()
        }
    }

    public func reschedule(id: String, attempts: Int, nextAttemptAt: Timestamp, error: String) async throws {
        try await onWriter { writer in
            let update = try writer.connection.cached(
                "UPDATE notification_outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?")
            update.bind(1, attempts)
            update.bind(2, nextAttemptAt)
            update.bind(3, error)
            update.bind(4, id)
            try update.run()
        }
    }

    public func deadLetter(id: String, reason: String, at time: Timestamp) async throws {
        try await onWriter { writer in
            let connection = writer.connection
            try connection.transaction {
                let copy = try connection.cached(
                    "INSERT OR REPLACE INTO notification_dead_letters (\(Self.messageColumns), failed_at, reason) "
                        + "SELECT id, integration, group_key, body, created_at, expires_at, attempts, "
                        + "next_attempt_at, last_error, ?, ? FROM notification_outbox WHERE id = ?")
                copy.bind(1, time)
                copy.bind(2, reason)
                copy.bind(3, id)
                try copy.run()
                guard connection.changes > 0 else { return }
                let count = try connection.cached(
                    "INSERT INTO notification_counters (integration, dead_lettered) "
                        + "SELECT integration, 1 FROM notification_outbox WHERE id = ? "
                        + "ON CONFLICT(integration) DO UPDATE SET dead_lettered = dead_lettered + 1")
                count.bind(1, id)
                try count.run()
                let delete = try connection.cached("DELETE FROM notification_outbox WHERE id = ?")
                delete.bind(1, id)
                try delete.run()
                let prune = try connection.cached("DELETE FROM notification_dead_letters WHERE failed_at < ?")
                prune.bind(1, time - Self.notificationDeadLetterRetention)
                try prune.run()
            }
        }
    }

    public func deadNotifications(limit: Int) async throws -> [DeadNotification] {
        try await onWriter { writer in
            let select = try writer.connection.cached(
                "SELECT \(Self.messageColumns), failed_at, reason FROM notification_dead_letters "
                    + "ORDER BY failed_at DESC, rowid DESC LIMIT ?")
            select.bind(1, limit)
            var result: [DeadNotification] = []
            while try select.step() {
                result.append(
                    DeadNotification(
                        message: Self.message(select), failedAt: select.int64(9), reason: select.string(10)))
            }
            return result
        }
    }

    public func deadLetterCounts() async throws -> [String: Int] {
        try await onWriter { writer in
            let select = try writer.connection.cached("SELECT integration, dead_lettered FROM notification_counters")
            var result: [String: Int] = [:]
            while try select.step() { result[select.string(0)] = Int(select.int64(1)) }
            return result
        }
    }

    private static func readMessages(_ connection: SQLiteConnection, _ sql: String) throws -> [OutboxMessage] {
        let select = try connection.cached(sql)
        var result: [OutboxMessage] = []
        while try select.step() { result.append(message(select)) }
        return result
    }

    private static func message(_ row: Statement) -> OutboxMessage {
        OutboxMessage(
            id: row.string(0), integration: row.string(1), groupKey: row.string(2), body: row.blob(3),
            createdAt: row.int64(4), expiresAt: row.int64(5), attempts: Int(row.int64(6)),
            nextAttemptAt: row.int64(7), lastError: row.optionalString(8))
    }
}
