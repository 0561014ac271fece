public import InfermonCore

/// The notification log in SQLite: one row per group and integration, holding
/// the alerts last notified as firing (binary, `AlertCodec`) and the
/// fingerprints last notified as resolved.
extension SQLiteStore: NotificationLogStore {
    public func notificationLog() async throws -> [NotificationLogEntry] {
        try await onWriter { writer in
            let select = try writer.connection.cached(
                "SELECT group_key, integration, sent_at, firing, resolved FROM notification_log")
            var result: [NotificationLogEntry] = []
            while try select.step() {
                var reader = ByteReader(select.blob(4))
                var resolved: Set<UInt64> = []
                while !reader.isAtEnd { resolved.insert(try reader.varint()) }
                result.append(
                    NotificationLogEntry(
                        groupKey: select.string(0), integration: select.string(1), sentAt: select.int64(2),
                        firing: try AlertCodec.decode(select.blob(3)), resolved: resolved))
            }
            return result
        }
    }

    public func pruneNotificationLog(sentBefore cutoff: Timestamp) async throws -> Int {
        try await onWriter { writer in
            let delete = try writer.connection.cached("DELETE FROM notification_log WHERE sent_at < ?")
            delete.bind(1, cutoff)
            try delete.run()
            return writer.connection.changes
        }
    }

    /// Called inside the outbox transaction.
    static func upsertLog(_ entries: [NotificationLogEntry], connection: SQLiteConnection) throws {
        guard !entries.isEmpty else { return }
        let upsert = try connection.cached(
            "INSERT INTO notification_log (group_key, integration, sent_at, firing, resolved) VALUES (?, ?, ?, ?, ?) "
                + "ON CONFLICT(group_key, integration) DO UPDATE SET sent_at = excluded.sent_at, "
                + "firing = excluded.firing, resolved = excluded.resolved")
        for entry in entries {
            var resolved: [UInt8] = []
            for fingerprint in entry.resolved.sorted() { appendVarint(fingerprint, to: &resolved) }
            upsert.reset()
            upsert.bind(1, entry.groupKey)
            upsert.bind(2, entry.integration)
            upsert.bind(3, entry.sentAt)
            upsert.bind(4, blob: AlertCodec.encode(entry.firing))
            upsert.bind(5, blob: resolved)
            try upsert.run()
        }
    }
}
