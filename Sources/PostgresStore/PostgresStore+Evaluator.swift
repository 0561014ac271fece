public import InfermonCore
import Logging
import NIOCore
import PostgresNIO
import Store

/// What the elected evaluator keeps, in PostgreSQL: alert states, the
/// notification outbox with its dead letters and counters, the notification
/// log and silences; and drift baselines. The tables and their text forms are
/// SQLite's (labels as `{a="1"}`, alerts by `AlertCodec`), so a daemon taking
/// over reads exactly what the one before it wrote. Every change is one short
/// transaction on the writer connection.
extension PostgresStore: AlertStateStore, NotificationOutbox, NotificationLogStore, SilenceStore,
    DriftBaselineStore
{
    /// BEGIN … COMMIT on the writer connection; ROLLBACK on failure.
    func inTransaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws
        -> T
    {
        try await onWriter { [logger] connection, state in
            try await connection.query("BEGIN", logger: logger)
            do {
                let result = try await body(connection)
                try await connection.query("COMMIT", logger: logger)
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                state.forgetCaches()
                throw error
            }
        }
    }

    // MARK: Alert states

    private static let alertColumns =
        "group_key, rule, occurrence, labels, annotations, state, active_at, fired_at, resolved_at, "
        + "keep_firing_since, last_sent_at, valid_until"

    public func alertStates() async throws -> [StoredAlertState] {
        try await onWriter { [logger] connection, _ in
            var result: [StoredAlertState] = []
            let rows = try await connection.query(
                PostgresQuery(
                    unsafeSQL:
                        "SELECT \(Self.alertColumns) FROM alert_states ORDER BY group_key, rule, occurrence, labels"
                ), logger: logger)
            for try await row in rows {
                var cells = row.makeIterator()
                func next<T: PostgresDecodable>(_ type: T.Type) throws -> T { try cells.next()!.decode(T.self) }
                let group = try next(String.self)
                let rule = try next(String.self)
                let occurrence = try next(Int64.self)
                let labels = try next(String.self)
                let annotations = try next(String.self)
                let state = try next(String.self)
                let activeAt = try next(Int64.self)
                let firedAt = try next(Int64?.self)
                let resolvedAt = try next(Int64?.self)
                let keepFiringSince = try next(Int64?.self)
                let lastSentAt = try next(Int64?.self)
                let validUntil = try next(Int64?.self)
                guard let parsed = StoredAlertState.State(rawValue: state) else {
                    throw InfermonError.storage("unknown alert state \(state)")
                }
                result.append(
                    StoredAlertState(
                        groupKey: group, rule: rule, occurrence: Int(occurrence), labels: try LabelsText.decode(labels),
                        annotations: try AnnotationsText.decode(annotations), state: parsed, activeAt: activeAt,
                        firedAt: firedAt, resolvedAt: resolvedAt, keepFiringSince: keepFiringSince,
                        lastSentAt: lastSentAt, validUntil: validUntil))
            }
            return result
        }
    }

    public func replaceAlertStates(groupKey: String, with states: [StoredAlertState]) async throws {
        try await inTransaction { [logger] connection in
            try await connection.query("DELETE FROM alert_states WHERE group_key = \(groupKey)", logger: logger)
            for state in states {
                try await connection.query(
                    """
                    INSERT INTO alert_states (group_key, rule, occurrence, labels, annotations, state, active_at,
                      fired_at, resolved_at, keep_firing_since, last_sent_at, valid_until)
                    VALUES (\(groupKey), \(state.rule), \(Int64(state.occurrence)), \(LabelsText.encode(state.labels)),
                      \(AnnotationsText.encode(state.annotations)), \(state.state.rawValue), \(state.activeAt),
                      \(state.firedAt), \(state.resolvedAt), \(state.keepFiringSince), \(state.lastSentAt),
                      \(state.validUntil))
                    ON CONFLICT (group_key, rule, occurrence, labels) DO UPDATE SET annotations = excluded.annotations,
                      state = excluded.state, active_at = excluded.active_at, fired_at = excluded.fired_at,
                      resolved_at = excluded.resolved_at, keep_firing_since = excluded.keep_firing_since,
                      last_sent_at = excluded.last_sent_at, valid_until = excluded.valid_until
                    """, logger: logger)
            }
        }
    }

    public func deleteAlertStates(exceptGroups groupKeys: Set<String>) async throws -> Int {
        let keep = Array(groupKeys)
        return try await onWriter { [logger] connection, _ in
            try await Self.count(
                connection.query(
                    "DELETE FROM alert_states WHERE NOT (group_key = ANY(\(keep)::text[])) RETURNING 1",
                    logger: logger))
        }
    }

    // MARK: Outbox

    /// Dead notifications are kept this long for inspection, as in SQLite.
    static let deadLetterRetention: Int64 = 14 * 86_400_000
    private static let messageColumns =
        "id, integration, group_key, body, created_at, expires_at, attempts, next_attempt_at, last_error"

    public func enqueue(_ messages: [OutboxMessage], log entries: [NotificationLogEntry]) async throws {
        try await inTransaction { [logger] connection in
            for message in messages {
                try await connection.query(
                    """
                    INSERT INTO notification_outbox (\(unescaped: Self.messageColumns))
                    VALUES (\(message.id), \(message.integration), \(message.groupKey),
                      \(ByteBuffer(bytes: message.body)), \(message.createdAt), \(message.expiresAt),
                      \(Int64(message.attempts)), \(message.nextAttemptAt), \(message.lastError))
                    """, logger: logger)
            }
            for entry in entries {
                var resolved: [UInt8] = []
                for fingerprint in entry.resolved.sorted() { appendVarint(fingerprint, to: &resolved) }
                try await connection.query(
                    """
                    INSERT INTO notification_log (group_key, integration, sent_at, firing, resolved)
                    VALUES (\(entry.groupKey), \(entry.integration), \(entry.sentAt),
                      \(ByteBuffer(bytes: AlertCodec.encode(entry.firing))), \(ByteBuffer(bytes: resolved)))
                    ON CONFLICT (group_key, integration) DO UPDATE SET sent_at = excluded.sent_at,
                      firing = excluded.firing, resolved = excluded.resolved
                    """, logger: logger)
            }
        }
    }

    public func outboxHeads() async throws -> [OutboxMessage] {
        try await readMessages(
            "SELECT \(Self.messageColumns) FROM notification_outbox WHERE seq IN "
                + "(SELECT min(seq) FROM notification_outbox GROUP BY integration) ORDER BY seq")
    }

    public func outboxMessages() async throws -> [OutboxMessage] {
        try await readMessages("SELECT \(Self.messageColumns) FROM notification_outbox ORDER BY seq")
    }

    public func markDelivered(id: String) async throws {
        try await onWriter { [logger] connection, _ in
            _ = try await connection.query("DELETE FROM notification_outbox WHERE id = \(id)", logger: logger)
        }
    }

    public func reschedule(id: String, attempts: Int, nextAttemptAt: Timestamp, error: String) async throws {
        try await onWriter { [logger] connection, _ in
            _ = try await connection.query(
                """
                UPDATE notification_outbox SET attempts = \(Int64(attempts)), next_attempt_at = \(nextAttemptAt),
                  last_error = \(error) WHERE id = \(id)
                """, logger: logger)
        }
    }

    public func deadLetter(id: String, reason: String, at time: Timestamp) async throws {
        try await inTransaction { [logger] connection in
            let moved = try await Self.count(
                connection.query(
                    """
                    INSERT INTO notification_dead_letters (\(unescaped: Self.messageColumns), failed_at, reason)
                    SELECT \(unescaped: Self.messageColumns), \(time), \(reason) FROM notification_outbox
                    WHERE id = \(id)
                    ON CONFLICT (id) DO UPDATE SET failed_at = excluded.failed_at, reason = excluded.reason
                    RETURNING 1
                    """, logger: logger))
            guard moved > 0 else { return }
            try await connection.query(
                """
                INSERT INTO notification_counters (integration, dead_lettered)
                SELECT integration, 1 FROM notification_outbox WHERE id = \(id)
                ON CONFLICT (integration) DO UPDATE SET dead_lettered = notification_counters.dead_lettered + 1
                """, logger: logger)
            try await connection.query("DELETE FROM notification_outbox WHERE id = \(id)", logger: logger)
            try await connection.query(
                "DELETE FROM notification_dead_letters WHERE failed_at < \(time - Self.deadLetterRetention)",
                logger: logger)
        }
    }

    public func deadNotifications(limit: Int) async throws -> [DeadNotification] {
        try await onWriter { [logger] connection, _ in
            var result: [DeadNotification] = []
            for try await row in try await connection.query(
                """
                SELECT \(unescaped: Self.messageColumns), failed_at, reason FROM notification_dead_letters
                ORDER BY failed_at DESC, seq DESC LIMIT \(Int64(limit))
                """, logger: logger)
            {
                let failedAt = try row.cell(9, Int64.self)
                let reason = try row.cell(10, String.self)
                result.append(DeadNotification(message: try Self.message(row), failedAt: failedAt, reason: reason))
            }
            return result
        }
    }

    public func deadLetterCounts() async throws -> [String: Int] {
        try await onWriter { [logger] connection, _ in
            var result: [String: Int] = [:]
            for try await (integration, count) in try await connection.query(
                "SELECT integration, dead_lettered FROM notification_counters", logger: logger
            ).decode((String, Int64).self) {
                result[integration] = Int(count)
            }
            return result
        }
    }

    private func readMessages(_ sql: String) async throws -> [OutboxMessage] {
        try await onWriter { [logger] connection, _ in
            var result: [OutboxMessage] = []
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) {
                result.append(try Self.message(row))
            }
            return result
        }
    }

    private static func message(_ row: PostgresRow) throws -> OutboxMessage {
        var cells = row.makeIterator()
        func next<T: PostgresDecodable>(_ type: T.Type) throws -> T { try cells.next()!.decode(T.self) }
        let id = try next(String.self)
        let integration = try next(String.self)
        let group = try next(String.self)
        let body = try next(ByteBuffer.self)
        let createdAt = try next(Int64.self)
        let expiresAt = try next(Int64.self)
        let attempts = try next(Int64.self)
        let nextAttemptAt = try next(Int64.self)
        let lastError = try next(String?.self)
        return OutboxMessage(
            id: id, integration: integration, groupKey: group, body: Array(body.readableBytesView),
            createdAt: createdAt, expiresAt: expiresAt, attempts: Int(attempts), nextAttemptAt: nextAttemptAt,
            lastError: lastError)
    }

    // MARK: Notification log

    public func notificationLog() async throws -> [NotificationLogEntry] {
        try await onWriter { [logger] connection, _ in
            var result: [NotificationLogEntry] = []
            for try await (group, integration, sentAt, firing, resolvedBytes) in try await connection.query(
                "SELECT group_key, integration, sent_at, firing, resolved FROM notification_log", logger: logger
            ).decode((String, String, Int64, ByteBuffer, ByteBuffer).self) {
                var reader = ByteReader(Array(resolvedBytes.readableBytesView))
                var resolved: Set<UInt64> = []
                while !reader.isAtEnd { resolved.insert(try reader.varint()) }
                result.append(
                    NotificationLogEntry(
                        groupKey: group, integration: integration, sentAt: sentAt,
                        firing: try AlertCodec.decode(Array(firing.readableBytesView)), resolved: resolved))
            }
            return result
        }
    }

    public func pruneNotificationLog(sentBefore cutoff: Timestamp) async throws -> Int {
        try await onWriter { [logger] connection, _ in
            try await Self.count(
                connection.query("DELETE FROM notification_log WHERE sent_at < \(cutoff) RETURNING 1", logger: logger))
        }
    }

    // MARK: Silences

    public func saveSilence(_ silence: Silence) async throws {
        let matchers = "{" + silence.matchers.map(\.description).joined(separator: ", ") + "}"
        try await onWriter { [logger] connection, _ in
            _ = try await connection.query(
                """
                INSERT INTO silences (id, matchers, starts_at, ends_at, created_by, comment, updated_at)
                VALUES (\(silence.id), \(matchers), \(silence.startsAt), \(silence.endsAt), \(silence.createdBy),
                  \(silence.comment), \(silence.updatedAt))
                ON CONFLICT (id) DO UPDATE SET matchers = excluded.matchers, starts_at = excluded.starts_at,
                  ends_at = excluded.ends_at, created_by = excluded.created_by, comment = excluded.comment,
                  updated_at = excluded.updated_at
                """, logger: logger)
        }
    }

    public func silences() async throws -> [Silence] {
        try await onWriter { [logger] connection, _ in
            var result: [Silence] = []
            for try await (id, matchers, startsAt, endsAt, createdBy, comment, updatedAt)
                in try await connection
                .query(
                    "SELECT id, matchers, starts_at, ends_at, created_by, comment, updated_at FROM silences ORDER BY seq",
                    logger: logger
                ).decode((String, String, Int64, Int64, String, String, Int64).self)
            {
                result.append(
                    Silence(
                        id: id, matchers: try LabelMatcher.parseList(matchers), startsAt: startsAt, endsAt: endsAt,
                        createdBy: createdBy, comment: comment, updatedAt: updatedAt))
            }
            return result
        }
    }

    /// A role that may not delete silences (one that only reads, listing them)
    /// leaves the pruning to the daemon instead of failing the listing.
    public func deleteSilences(endedBefore cutoff: Timestamp) async throws -> Int {
        try await onWriter { [logger] connection, _ in
            var mayDelete = false
            for try await value in try await connection.query(
                "SELECT has_table_privilege('silences', 'DELETE')", logger: logger
            ).decode(Bool.self) {
                mayDelete = value
            }
            guard mayDelete else { return 0 }
            return try await Self.count(
                connection.query("DELETE FROM silences WHERE ends_at < \(cutoff) RETURNING 1", logger: logger))
        }
    }

    // MARK: Drift baselines

    public func saveBaseline(_ baseline: DriftBaseline) async throws {
        let data = ByteBuffer(bytes: BaselineCodec.encode(baseline.columns))
        let events = Int64(baseline.columns.reduce(0) { $0 + $1.count })
        try await onWriter { [logger] connection, _ in
            _ = try await connection.query(
                """
                INSERT INTO drift_baselines (name, from_ts, through_ts, created_at, events, data)
                VALUES (\(baseline.name), \(baseline.from), \(baseline.through), \(baseline.createdAt), \(events),
                  \(data))
                ON CONFLICT (name) DO UPDATE SET from_ts = excluded.from_ts, through_ts = excluded.through_ts,
                  created_at = excluded.created_at, events = excluded.events, data = excluded.data
                """, logger: logger)
        }
    }

    public func baseline(named name: String) throws -> DriftBaseline? {
        try readers.withConnection { connection in
            guard
                let row = try connection.rows(
                    "SELECT from_ts, through_ts, created_at, data FROM drift_baselines WHERE name = \(name)",
                    logger: logger
                ).first
            else { return nil }
            let (from, through, created, data) = try row.decode((Int64, Int64, Int64, ByteBuffer).self)
            return DriftBaseline(
                name: name, from: from, through: through, createdAt: created,
                columns: try BaselineCodec.decode(Array(data.readableBytesView)))
        }
    }

    public func baselines() throws -> [DriftBaselineInfo] {
        try readers.withConnection { connection in
            try connection.rows(
                "SELECT name, from_ts, through_ts, created_at, events FROM drift_baselines ORDER BY name",
                logger: logger
            ).map { row in
                let (name, from, through, created, events) = try row.decode(
                    (String, Int64, Int64, Int64, Int64).self)
                return DriftBaselineInfo(
                    name: name, from: from, through: through, createdAt: created, events: Int(events))
            }
        }
    }

    // MARK: Support

    /// The rows a `… RETURNING 1` statement returned: how many it changed.
    static func count(_ rows: PostgresRowSequence) async throws -> Int {
        var count = 0
        for try await _ in rows { count += 1 }
        return count
    }
}

extension PostgresRow {
    /// The cell at `index`, decoded.
    fileprivate func cell<T: PostgresDecodable>(_ index: Int, _ type: T.Type) throws -> T {
        var cells = makeIterator()
        for _ in 0..<index { _ = cells.next() }
        return try cells.next()!.decode(T.self)
    }
}
