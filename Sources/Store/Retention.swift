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

            report.rollups = try trimSealedHours(connection, cutoff: now - policy.rollups.millis)
            report.rollups += try deletePerOwner(
                connection, owners: "SELECT id FROM event_keys",
                delete: "DELETE FROM rollups WHERE key_id = ? AND bucket < ?", cutoff: now - policy.rollups.millis)
            _ = try deletePerOwner(
                connection, owners: "SELECT id FROM event_keys",
                delete: "DELETE FROM rollup_sketches WHERE key_id = ? AND bucket < ?",
                cutoff: now - policy.rollups.millis)
            // A block reaching back past the cutoff goes whole; its hour is read from the rows
            // left, which `trimSealedHours` put back.
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

    /// Before the blocks reaching back past the cutoff go: puts the rows after the
    /// cutoff of the hour it falls in back into `rollups` (a sealed hour's rows are
    /// only in its block), and counts the expired rows that only blocks held.
    private static func trimSealedHours(_ connection: SQLiteConnection, cutoff: Timestamp) throws -> Int {
        let interval = try connection.scalarInt(
            "SELECT CAST(value AS INTEGER) FROM settings WHERE name = 'rollup_interval_ms'")
        guard cutoff > 0, let span = RollupBlock.span(forInterval: interval) else { return 0 }
        let pruned = try connection.prepare("SELECT value FROM settings WHERE name = ?")
        pruned.bind(1, RollupBlockSealer.prunedSettingName)
        // Hours from here on still have their rows, which the row deletion counts.
        let prunedThrough = try pruned.step() ? Int64(pruned.string(0)) ?? .min : .min
        let hour = floorDivide(cutoff, span) * span
        let ownerRows = try connection.prepare("SELECT id FROM event_keys")
        var ids: [Int64] = []
        while try ownerRows.step() { ids.append(ownerRows.int64(0)) }
        let blocks = try connection.cached(
            "SELECT start, rows, data FROM rollup_blocks WHERE id >= ? AND id <= ? ORDER BY id")
        var removed = 0
        for keyID in ids {
            guard let last = RollupBlock.id(keyID: keyID, start: hour, span: span) else { continue }
            blocks.reset()
            blocks.bind(1, keyID << RollupBlock.hourBits)
            blocks.bind(2, last)
            var kept: [RollupRow] = []
            while try blocks.step() {
                let start = blocks.int64(0)
                let rows = Int(blocks.int64(1))
                if start + span <= prunedThrough { removed += rows }
                guard start == hour else { continue }
                let after = try blocks.withBlob(2) {
                    try RollupBlockReader($0).rows(start: start, interval: interval).filter { $0.bucket >= cutoff }
                }
                kept += after
                if start + span <= prunedThrough { removed -= after.count }
            }
            blocks.reset()
            try SealedRollupRows.restore(connection, keyID: keyID, rows: kept)
        }
        return removed
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
