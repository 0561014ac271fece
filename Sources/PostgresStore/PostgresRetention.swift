import InfermonCore
import Logging
import PostgresNIO
import Store

/// What one retention pass removed.
public struct PostgresRetentionReport: Sendable, Equatable {
    /// Day partitions of raw events dropped whole.
    public var droppedPartitions: [String] = []
    public var rollups = 0
    public var samples = 0
    public var deadLetters = 0
}

/// Retention on PostgreSQL: raw events go a day partition at a time (`DROP
/// TABLE`, no dead tuples to vacuum); the rest by deletes on indexed times.
enum PostgresRetention {
    static func run(
        _ connection: PostgresConnection, state: WriterState, policy: RetentionPolicy, now: Timestamp, logger: Logger
    ) async throws -> PostgresRetentionReport {
        var report = PostgresRetentionReport()
        let eventCutoff = now - policy.events.millis
        var expired: [(name: String, day: Timestamp)] = []
        for try await (name, bound) in try await connection.query(
            """
            SELECT c.relname::text, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
            WHERE p.relname = 'events' ORDER BY 1
            """, logger: logger
        ).decode((String, String).self) {
            // FOR VALUES FROM ('…') TO ('…'): the partition holds [from, to).
            let numbers = bound.split { !$0.isNumber && $0 != "-" }.compactMap { Int64($0) }
            if numbers.count == 2, numbers[1] <= eventCutoff { expired.append((name, numbers[0])) }
        }
        for (name, day) in expired {
            try await connection.query(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS \(name)"), logger: logger)
            state.partitions.remove(day)
            report.droppedPartitions.append(name)
        }
        try await connection.query("DELETE FROM request_ids WHERE ts < \(eventCutoff)", logger: logger)
        func delete(_ sql: String, _ cutoff: Int64) async throws -> Int {
            var bindings = PostgresBindings()
            bindings.append(cutoff)
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
            var count = 0
            for try await _ in rows { count += 1 }
            return count
        }
        report.rollups = try await delete(
            "DELETE FROM rollups WHERE bucket < $1 RETURNING 1", now - policy.rollups.millis)
        _ = try await delete("DELETE FROM rollup_sketches WHERE bucket < $1 RETURNING 1", now - policy.rollups.millis)
        report.samples = try await delete("DELETE FROM samples WHERE ts < $1 RETURNING 1", now - policy.samples.millis)
        report.deadLetters = try await delete(
            "DELETE FROM dead_letters WHERE received_at < $1 RETURNING 1", now - policy.deadLetters.millis)
        if !report.droppedPartitions.isEmpty {
            logger.info(
                "dropped expired event partitions", metadata: ["partitions": "\(report.droppedPartitions)"])
        }
        return report
    }
}
