public import InfermonCore

/// Remote write's durable queue: compressed batches per endpoint and each
/// endpoint's cursor, changed together on the writer queue.
extension SQLiteStore: RemoteWriteQueue {
    public func remoteWriteCursor(endpoint: String) async throws -> Timestamp? {
        try await onWriter { writer in
            let select = try writer.connection.cached("SELECT cursor FROM remote_write_cursors WHERE endpoint = ?")
            select.bind(1, endpoint)
            defer { select.reset() }
            return try select.step() ? select.int64(0) : nil
        }
    }

    public func enqueueRemoteWrite(
        endpoint: String, batches: [RemoteWriteBatch], cursor: Timestamp, maxPendingSamples: Int
    ) async throws -> Int {
        try await onWriter { writer in
            let connection = writer.connection
            return try connection.transaction {
                let insert = try connection.cached(
                    "INSERT INTO remote_write_queue (endpoint, samples, highest_ts, body) VALUES (?, ?, ?, ?)")
                for batch in batches {
                    insert.reset()
                    insert.bind(1, endpoint)
                    insert.bind(2, batch.samples)
                    insert.bind(3, batch.highestTimestamp)
                    insert.bind(4, blob: batch.body)
                    try insert.run()
                }
                let move = try connection.cached(
                    "INSERT INTO remote_write_cursors (endpoint, cursor) VALUES (?, ?) "
                        + "ON CONFLICT(endpoint) DO UPDATE SET cursor = excluded.cursor")
                move.bind(1, endpoint)
                move.bind(2, cursor)
                try move.run()
                return try Self.trimRemoteWrite(connection, endpoint: endpoint, maxPendingSamples: maxPendingSamples)
            }
        }
    }

    /// Drops the oldest batches past the bound: after a long outage the newest
    /// samples matter most, and receivers refuse samples far older than their newest.
    private static func trimRemoteWrite(_ connection: SQLiteConnection, endpoint: String, maxPendingSamples: Int)
        throws -> Int
    {
        var pending = try pendingSamples(connection, endpoint: endpoint)
        guard pending > maxPendingSamples else { return 0 }
        let oldest = try connection.cached(
            "SELECT id, samples FROM remote_write_queue WHERE endpoint = ? ORDER BY id")
        oldest.bind(1, endpoint)
        var doomed: [(id: Int64, samples: Int)] = []
        while pending > maxPendingSamples, try oldest.step() {
            doomed.append((oldest.int64(0), Int(oldest.int64(1))))
            pending -= Int(oldest.int64(1))
        }
        oldest.reset()
        let delete = try connection.cached("DELETE FROM remote_write_queue WHERE id = ?")
        for entry in doomed {
            delete.reset()
            delete.bind(1, entry.id)
            try delete.run()
        }
        return doomed.reduce(0) { $0 + $1.samples }
    }

    public func oldestRemoteWriteBatch(endpoint: String) async throws -> RemoteWriteBatch? {
        try await onWriter { writer in
            let select = try writer.connection.cached(
                "SELECT id, samples, highest_ts, body FROM remote_write_queue WHERE endpoint = ? ORDER BY id LIMIT 1")
            select.bind(1, endpoint)
            defer { select.reset() }
            guard try select.step() else { return nil }
            return RemoteWriteBatch(
                id: select.int64(0), samples: Int(select.int64(1)), highestTimestamp: select.int64(2),
                body: select.blob(3))
        }
    }

    public func deleteRemoteWriteBatch(endpoint: String, id: Int64) async throws {
        try await onWriter { writer in
            let delete = try writer.connection.cached("DELETE FROM remote_write_queue WHERE endpoint = ? AND id = ?")
            delete.bind(1, endpoint)
            delete.bind(2, id)
            try delete.run()
        }
    }

    public func pendingRemoteWriteSamples(endpoint: String) async throws -> Int {
        try await onWriter { writer in try Self.pendingSamples(writer.connection, endpoint: endpoint) }
    }

    private static func pendingSamples(_ connection: SQLiteConnection, endpoint: String) throws -> Int {
        let sum = try connection.cached("SELECT COALESCE(SUM(samples), 0) FROM remote_write_queue WHERE endpoint = ?")
        sum.bind(1, endpoint)
        defer { sum.reset() }
        _ = try sum.step()
        return Int(sum.int64(0))
    }
}
