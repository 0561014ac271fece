import InfermonCore

/// Moves closed hours of rollup rows into `rollup_blocks` (see `RollupBlock`),
/// inside the writer's transactions: a sealed hour is kept only as its block,
/// about a third of the bytes of its rows.
///
/// Every hour before `sealedThrough` has a block for each label set with rows
/// in it. The horizon follows the newest interval written, an hour behind it,
/// so that ordinary stragglers land before their hour is sealed; a later write
/// into a sealed hour (late events, a backfill, a source that lags the others)
/// marks the label set, and before the transaction commits its rows from that
/// hour on are put back from their blocks (a row written now wins), its blocks
/// remade from the rows (late events change every later running total) and the
/// rows deleted again. Readers take sealed hours from the blocks and the rest
/// from `rollups`; rows before `prunedThrough` are gone, those between it and
/// `sealedThrough` are being deleted a day per transaction (an older store,
/// whose rows were all kept).
final class RollupBlockSealer {
    private let connection: SQLiteConnection
    private let interval: Int64
    let span: Int64
    /// Hours before this are sealed; `.min` until the first seal.
    private(set) var sealedThrough: Timestamp
    /// Label sets written in a sealed hour during this transaction: the earliest such hour.
    private var dirty: [Int64: Timestamp] = [:]
    /// Label sets whose sealed rows are back in `rollups` in this transaction: from which hour.
    private var unsealed: [Int64: Timestamp] = [:]
    /// Rows of hours before this have been deleted from `rollups`; `.min` until the first deletion.
    private(set) var prunedThrough: Timestamp
    /// Hours sealed (and pruned) at most per transaction, so an old store's first seal is spread over batches.
    static let hoursPerTransaction: Int64 = 24

    static let settingName = "rollup_blocks_sealed_through"
    static let prunedSettingName = "rollup_rows_pruned_through"

    init(connection: SQLiteConnection, interval: Int64, span: Int64) throws {
        self.connection = connection
        self.interval = interval
        self.span = span
        sealedThrough = .min
        prunedThrough = .min
        sealedThrough = try storedHorizon(Self.settingName)
        prunedThrough = try storedHorizon(Self.prunedSettingName)
    }

    private func storedHorizon(_ name: String) throws -> Timestamp {
        let statement = try connection.cached("SELECT value FROM settings WHERE name = ?")
        statement.bind(1, name)
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

    /// Before rows from `bucket` on are read to be rewritten (late events add to
    /// every later running total): puts the label set's sealed rows from that
    /// hour on back into `rollups`, where `flush` finds and deletes them again.
    func unseal(keyID: Int64, from bucket: Timestamp) throws {
        let hour = hour(of: bucket)
        guard hour < sealedThrough, unsealed[keyID].map({ $0 > hour }) ?? true else { return }
        let rows = try SealedRollupRows.all(connection, keyID: keyID, from: hour, span: span, interval: interval)
        try SealedRollupRows.restore(connection, keyID: keyID, rows: rows)
        unsealed[keyID] = hour
    }

    /// The label set's newest row before `before`, given the newest one `rollups` has
    /// (`row`): a sealed hour's rows are only in its block.
    func latest(keyID: Int64, before: Timestamp, row: RollupRow?) throws -> RollupRow? {
        // Blocks hold only hours before `sealedThrough`; a row at or after it is newer.
        guard sealedThrough != .min, row.map({ $0.bucket < sealedThrough }) ?? true else { return row }
        let sealed = try SealedRollupRows.latest(
            connection, keyID: keyID, before: min(before, sealedThrough), notBefore: row?.bucket ?? .min, span: span,
            interval: interval)
        guard let sealed, sealed.bucket > row?.bucket ?? .min else { return row }
        return sealed
    }

    /// At the end of a transaction's rollup writes: remakes the blocks of label
    /// sets written in sealed hours, then seals the hours that closed, deleting
    /// the rows a block now holds.
    func flush(newestBucket: Timestamp) throws {
        for (keyID, from) in dirty {
            try unseal(keyID: keyID, from: from)
            try deleteBlocks(keyID: keyID, from: from)
            try seal(keyID: keyID, from: from, to: sealedThrough)
            try deleteRows(keyIDs: [keyID], from: from, to: sealedThrough)
        }
        dirty.removeAll(keepingCapacity: true)
        unsealed.removeAll(keepingCapacity: true)
        guard newestBucket != .min else { return }
        let horizon = hour(of: newestBucket) - span
        if sealedThrough == .min {
            // First seal of this store: from its oldest label set's first interval.
            let oldest = try connection.scalarInt("SELECT coalesce(min(first_bucket), \(horizon)) FROM event_keys")
            sealedThrough = min(hour(of: oldest), horizon)
        }
        if horizon > sealedThrough {
            let ids = try keys(bornBefore: horizon)
            // Hours with no rows at all (the store was idle) are passed over at once.
            let next = try firstBucket(of: ids, atOrAfter: sealedThrough) ?? horizon
            let from = max(sealedThrough, min(hour(of: next), horizon))
            let to = min(horizon, from + Self.hoursPerTransaction * span)
            for keyID in ids { try seal(keyID: keyID, from: from, to: to) }
            sealedThrough = to
            try store(Self.settingName, to)
        }
        try prune()
    }

    /// Deletes the rows of sealed hours, which their blocks now hold: right after
    /// the seal, or a day per transaction for the hours an older store sealed
    /// while keeping the rows (no separate migration step).
    private func prune() throws {
        guard sealedThrough != .min, prunedThrough < sealedThrough else { return }
        let ids = try keys(bornBefore: sealedThrough)
        let next = try firstBucket(of: ids, atOrAfter: prunedThrough) ?? sealedThrough
        let from = max(prunedThrough, min(hour(of: next), sealedThrough))
        let to = min(sealedThrough, from + Self.hoursPerTransaction * span)
        try deleteRows(keyIDs: ids, from: from, to: to)
        prunedThrough = to
        try store(Self.prunedSettingName, to)
    }

    private func keys(bornBefore horizon: Timestamp) throws -> [Int64] {
        let keys = try connection.cached("SELECT id FROM event_keys WHERE first_bucket < ?")
        defer { keys.reset() }
        keys.bind(1, horizon)
        var ids: [Int64] = []
        while try keys.step() { ids.append(keys.int64(0)) }
        return ids
    }

    private func store(_ name: String, _ horizon: Timestamp) throws {
        let setting = try connection.cached("INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)")
        setting.bind(1, name)
        setting.bind(2, String(horizon))
        try setting.run()
    }

    private func deleteRows(keyIDs: [Int64], from: Timestamp, to: Timestamp) throws {
        guard to > from else { return }
        let statement = try connection.cached("DELETE FROM rollups WHERE key_id = ? AND bucket >= ? AND bucket < ?")
        for keyID in keyIDs {
            statement.bind(1, keyID)
            statement.bind(2, from)
            statement.bind(3, to)
            try statement.run()
        }
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
        unsealed.removeAll()
        sealedThrough = (try? storedHorizon(Self.settingName)) ?? .min
        prunedThrough = (try? storedHorizon(Self.prunedSettingName)) ?? .min
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
