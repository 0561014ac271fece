public import InfermonCore
import Logging
import NIOCore
import PostgresNIO

/// Remote write's durable queue in the shared database: compressed batches
/// per endpoint and each endpoint's cursor, SQLite's tables. Only the
/// evaluator ships, so after a failover the next one resumes from the same
/// cursor and sends the same queued bytes: nothing is lost, and nothing is
/// sent twice but a batch whose acknowledgement the last evaluator did not
/// record.
extension PostgresStore: RemoteWriteQueue {
    public func remoteWriteCursor(endpoint: String) async throws -> Timestamp? {
        try await onWriter { [logger] connection, _ in
            var cursor: Timestamp?
            for try await value in try await connection.query(
                "SELECT cursor FROM remote_write_cursors WHERE endpoint = \(endpoint)", logger: logger
            ).decode(Int64.self) {
                cursor = value
            }
            return cursor
        }
    }

    /// The cursor moves first, and only forward: two daemons evaluating for a
    /// moment (the last evaluator's session lost but not yet noticed) that read
    /// the same intervals queue them once, since the second finds the cursor
    /// already there and queues nothing. One writer never moves it back (it
    /// reads only past the cursor), so it sees SQLite's answers.
    public func enqueueRemoteWrite(
        endpoint: String, batches: [RemoteWriteBatch], cursor: Timestamp, maxPendingSamples: Int
    ) async throws -> Int {
        try await inTransaction { [logger] connection in
            let moved = try await Self.count(
                connection.query(
                    """
                    INSERT INTO remote_write_cursors (endpoint, cursor) VALUES (\(endpoint), \(cursor))
                    ON CONFLICT (endpoint) DO UPDATE SET cursor = excluded.cursor
                    WHERE remote_write_cursors.cursor < excluded.cursor
                    RETURNING 1
                    """, logger: logger))
            guard moved > 0 else { return 0 }
            for batch in batches {
                try await connection.query(
                    """
                    INSERT INTO remote_write_queue (endpoint, samples, highest_ts, body)
                    VALUES (\(endpoint), \(Int64(batch.samples)), \(batch.highestTimestamp),
                      \(ByteBuffer(bytes: batch.body)))
                    """, logger: logger)
            }
            return try await Self.trimRemoteWrite(
                connection, endpoint: endpoint, maxPendingSamples: maxPendingSamples, logger: logger)
        }
    }

    /// Drops the oldest batches past the bound, as SQLite does: a batch goes
    /// while it and every newer batch hold more than the bound (after a long
    /// outage the newest samples matter most, and receivers refuse samples far
    /// older than their newest). Returns the samples dropped.
    private static func trimRemoteWrite(
        _ connection: PostgresConnection, endpoint: String, maxPendingSamples: Int, logger: Logger
    ) async throws -> Int {
        var dropped = 0
        for try await samples in try await connection.query(
            """
            DELETE FROM remote_write_queue WHERE id IN (
              SELECT id FROM (
                SELECT id, sum(samples) OVER (ORDER BY id DESC ROWS UNBOUNDED PRECEDING) AS from_here
                FROM remote_write_queue WHERE endpoint = \(endpoint)
              ) newest WHERE from_here > \(Int64(maxPendingSamples))
            ) RETURNING samples
            """, logger: logger
        ).decode(Int64.self) {
            dropped += Int(samples)
        }
        return dropped
    }

    public func oldestRemoteWriteBatch(endpoint: String) async throws -> RemoteWriteBatch? {
        try await onWriter { [logger] connection, _ in
            var batch: RemoteWriteBatch?
            for try await (id, samples, highest, body) in try await connection.query(
                """
                SELECT id, samples, highest_ts, body FROM remote_write_queue WHERE endpoint = \(endpoint)
                ORDER BY id LIMIT 1
                """, logger: logger
            ).decode((Int64, Int64, Int64, ByteBuffer).self) {
                batch = RemoteWriteBatch(
                    id: id, samples: Int(samples), highestTimestamp: highest, body: Array(body.readableBytesView))
            }
            return batch
        }
    }

    public func deleteRemoteWriteBatch(endpoint: String, id: Int64) async throws {
        try await onWriter { [logger] connection, _ in
            _ = try await connection.query(
                "DELETE FROM remote_write_queue WHERE endpoint = \(endpoint) AND id = \(id)", logger: logger)
        }
    }

    public func pendingRemoteWriteSamples(endpoint: String) async throws -> Int {
        try await onWriter { [logger] connection, _ in
            var pending = 0
            for try await sum in try await connection.query(
                "SELECT COALESCE(sum(samples), 0)::bigint FROM remote_write_queue WHERE endpoint = \(endpoint)",
                logger: logger
            ).decode(Int64.self) {
                pending = Int(sum)
            }
            return pending
        }
    }
}
