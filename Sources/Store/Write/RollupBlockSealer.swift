import InfermonCore

/// Copies closed hours of rollup rows into `rollup_blocks` (see `RollupBlock`),
/// inside the writer's transactions, and remakes a label set's blocks when a
/// row in a sealed hour is written again.
///
/// Every hour before `sealedThrough` has a block for each label set with rows
/// in it. The horizon follows the newest interval written, an hour behind it,
/// so that ordinary stragglers land before their hour is sealed; a later write
/// into a sealed hour (late events, a backfill, a source that lags the others)
/// marks the label set and its blocks from that hour on are remade before the
/// transaction commits, since late events change every later running total.
final class RollupBlockSealer {
    private let connection: SQLiteConnection
    private let interval: Int64
    let span: Int64
    /// Hours before this are sealed; `.min` until the first seal.
    private(set) var sealedThrough: Timestamp
    /// Label sets written in a sealed hour during this transaction: the earliest such hour.
    private var dirty: [Int64: Timestamp] = [:]
    /// Hours sealed at most per transaction, so an old store's first seal is spread over batches.
    static let hoursPerTransaction: Int64 = 24

    static let settingName = "rollup_blocks_sealed_through"

    init(connection: SQLiteConnection, interval: Int64, span: Int64) throws {
        self.connection = connection
        self.interval = interval
        self.span = span
        sealedThrough = .min
        sealedThrough = try storedHorizon()
    }

    private func storedHorizon() throws -> Timestamp {
        let statement = try connection.cached("SELECT value FROM settings WHERE name = ?")
        statement.bind(1, Self.settingName)
        defer { statement.reset() }
        guard try statement.step(), let value = Int64(statement.string(0)) else { return .min }
        return value
    }

    @inline(__always)
    func hour(of bucket: Timestamp) -> Timestamp { floorDivide(bucket, span) * span }

    /// A rollup row of `keyID` at `bucket` is being written.
    @inline(__always)
    func written(keyID: Int64, bucket: Timestamp) {
        guard bucket < sealedThrough else { return }
        let hour = hour(of: bucket)
        if let earliest = dirty[keyID], earliest <= hour { return }
        dirty[keyID] = hour
    }

    /// At the end of a transaction's rollup writes: remakes the blocks of label
    /// sets written in sealed hours, then seals the hours that closed.
    func flush(newestBucket: Timestamp) throws {
        for (keyID, from) in dirty {
            try deleteBlocks(keyID: keyID, from: from)
            try seal(keyID: keyID, from: from, to: sealedThrough)
        }
        dirty.removeAll(keepingCapacity: true)
        guard newestBucket != .min else { return }
        let horizon = hour(of: newestBucket) - span
        if sealedThrough == .min {
            // First seal of this store: from its oldest label set's first interval.
            let oldest = try connection.scalarInt("SELECT coalesce(min(first_bucket), \(horizon)) FROM event_keys")
            sealedThrough = min(hour(of: oldest), horizon)
        }
        guard horizon > sealedThrough else { return }
        let keys = try connection.cached("SELECT id FROM event_keys WHERE first_bucket < ?")
        keys.bind(1, horizon)
        var ids: [Int64] = []
        while try keys.step() { ids.append(keys.int64(0)) }
        keys.reset()
        // Hours with no rows at all (the store was idle) are passed over at once.
        let next = try firstBucket(of: ids, atOrAfter: sealedThrough) ?? horizon
        let from = max(sealedThrough, min(hour(of: next), horizon))
        let to = min(horizon, from + Self.hoursPerTransaction * span)
        for keyID in ids { try seal(keyID: keyID, from: from, to: to) }
        sealedThrough = to
        let setting = try connection.cached("INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)")
        setting.bind(1, Self.settingName)
        setting.bind(2, String(to))
        try setting.run()
    }

    /// The earliest rollup interval at or after `from` among the label sets: one index seek each.
    private func firstBucket(of keyIDs: [Int64], atOrAfter from: Timestamp) throws -> Timestamp? {
        let statement = try connection.cached(
            "SELECT bucket FROM rollups WHERE key_id = ? AND bucket >= ? ORDER BY bucket LIMIT 1")
        var earliest: Timestamp?
        for keyID in keyIDs {
            statement.bind(1, keyID)
            statement.bind(2, from)
            if try statement.step() { earliest = min(earliest ?? .max, statement.int64(0)) }
            statement.reset()
        }
        return earliest
    }

    /// After a failed transaction: forget what memory holds beyond the database.
    func discard() {
        dirty.removeAll()
        sealedThrough = (try? storedHorizon()) ?? .min
    }

    private func deleteBlocks(keyID: Int64, from: Timestamp) throws {
        let statement = try connection.cached("DELETE FROM rollup_blocks WHERE id >= ? AND id < ?")
        statement.bind(
            1, RollupBlock.id(keyID: keyID, start: max(0, from), span: span) ?? (keyID << RollupBlock.hourBits))
        statement.bind(2, RollupBlock.endID(keyID: keyID))
        try statement.run()
    }

    /// Writes a block for every hour in [from, to) in which the label set has rows.
    private func seal(keyID: Int64, from: Timestamp, to: Timestamp) throws {
        guard to > from else { return }
        let rows = try connection.cached(
            "SELECT \(RollupRow.columns) FROM rollups WHERE key_id = ? AND bucket >= ? AND bucket < ? ORDER BY bucket")
        rows.bind(1, keyID)
        rows.bind(2, from)
        rows.bind(3, to)
        var hourRows: [RollupRow] = []
        var currentHour = Timestamp.min
        while try rows.step() {
            let row = try RollupRow(rows, firstColumn: 0)
            let hour = hour(of: row.bucket)
            if hour != currentHour {
                try insert(hourRows, keyID: keyID, start: currentHour)
                hourRows.removeAll(keepingCapacity: true)
                currentHour = hour
            }
            hourRows.append(row)
        }
        rows.reset()
        try insert(hourRows, keyID: keyID, start: currentHour)
    }

    private func insert(_ rows: [RollupRow], keyID: Int64, start: Timestamp) throws {
        guard !rows.isEmpty, let id = RollupBlock.id(keyID: keyID, start: start, span: span) else { return }
        let statement = try connection.cached(
            "INSERT OR REPLACE INTO rollup_blocks (id, key_id, start, rows, data) VALUES (?, ?, ?, ?, ?)")
        statement.bind(1, id)
        statement.bind(2, keyID)
        statement.bind(3, start)
        statement.bind(4, Int64(rows.count))
        statement.bind(5, blob: RollupBlock.encode(rows, interval: interval, start: start))
        try statement.run()
    }
}
