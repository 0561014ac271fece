import InfermonCore

/// What one retention pass removed.
public struct RetentionReport: Sendable, Equatable {
    public var events = 0
    public var rollups = 0
    public var chunks = 0
    public var deadLetters = 0
    /// False when a table still holds expired rows beyond this pass's slice.
    public var isComplete = true

    public var total: Int { events + rollups + chunks + deadLetters }
}

/// Deletes expired rows in bounded slices. Each slice is its own short
/// transaction on the writer queue, so ingestion batches interleave with a long
/// cleanup instead of waiting for it.
enum Retention {
    static let sliceSize = 5000

    static func run(_ connection: SQLiteConnection, policy: RetentionPolicy, now: Timestamp) throws -> RetentionReport {
        var report = RetentionReport()
        try connection.transaction {
            let eventCutoff = now - policy.events.millis
            let slice = "SELECT id FROM events WHERE ts < ? ORDER BY ts LIMIT \(sliceSize)"
            let texts = try connection.cached("DELETE FROM event_texts WHERE event_id IN (\(slice))")
            texts.bind(1, eventCutoff)
            try texts.run()
            let events = try connection.cached("DELETE FROM events WHERE id IN (\(slice))")
            events.bind(1, eventCutoff)
            try events.run()
            report.events = connection.changes
            let requestIDs = try connection.cached(
                "DELETE FROM request_ids WHERE request_id IN (SELECT request_id FROM request_ids WHERE ts < ? ORDER BY ts LIMIT \(sliceSize))"
            )
            requestIDs.bind(1, eventCutoff)
            try requestIDs.run()

            let letters = try connection.cached(
                "DELETE FROM dead_letters WHERE id IN (SELECT id FROM dead_letters WHERE received_at < ? ORDER BY received_at LIMIT \(sliceSize))"
            )
            letters.bind(1, now - policy.deadLetters.millis)
            try letters.run()
            report.deadLetters = connection.changes

            report.rollups = try deletePerOwner(
                connection, owners: "SELECT id FROM event_keys",
                delete: "DELETE FROM rollups WHERE key_id = ? AND bucket < ?", cutoff: now - policy.rollups.millis)
            _ = try deletePerOwner(
                connection, owners: "SELECT id FROM event_keys",
                delete: "DELETE FROM rollup_sketches WHERE key_id = ? AND bucket < ?",
                cutoff: now - policy.rollups.millis)
            // A block reaching back past the cutoff goes whole; its hour is read from the rows left.
            _ = try deletePerOwner(
                connection, owners: "SELECT id FROM event_keys",
                delete:
                    "DELETE FROM rollup_blocks WHERE id >= (?1 << 22) AND id <= (?1 << 22) + max(0, min(?2 / 3600000, (1 << 22) - 1))",
                cutoff: now - policy.rollups.millis)
            report.chunks = try deletePerOwner(
                connection, owners: "SELECT id FROM series",
                delete: "DELETE FROM chunks WHERE series_id = ? AND end_ts < ?", cutoff: now - policy.samples.millis)
            report.chunks += try deletePerOwner(
                connection, owners: "SELECT id FROM series",
                delete: "DELETE FROM backfilled_samples WHERE series_id = ? AND ts < ?",
                cutoff: now - policy.samples.millis)
        }
        report.isComplete = report.events < sliceSize && report.deadLetters < sliceSize
        return report
    }

    /// Deletes by primary-key range per owner, which avoids scanning the whole table.
    private static func deletePerOwner(
        _ connection: SQLiteConnection, owners: String, delete: String, cutoff: Timestamp
    ) throws -> Int {
        let ownerRows = try connection.prepare(owners)
        var ids: [Int64] = []
        while try ownerRows.step() { ids.append(ownerRows.int64(0)) }
        let statement = try connection.cached(delete)
        var removed = 0
        for id in ids {
            statement.reset()
            statement.bind(1, id)
            statement.bind(2, cutoff)
            try statement.run()
            removed += connection.changes
        }
        return removed
    }
}
