import InfermonCore

extension RollupBlockReader {
    /// Every row whole, as `rollups` held it. A sealed hour's rows live only in
    /// its block, so a write into that hour, a copy to PostgreSQL and retention's
    /// trim of a block the cutoff falls in all need them back, value for value.
    func rows(start: Timestamp, interval: Int64) throws -> [RollupRow] {
        let buckets = buckets(start: start, interval: interval)
        let lastData = column(.lastTimestamp)
        var position = 0
        let lasts = buckets.map { $0 &+ unzigzag(readBinCount(lastData, at: &position)) }
        func integers(_ column: RollupBlock.Column) -> [Int64] {
            let data = self.column(column)
            var position = 0
            var total: Int64 = 0
            return (0..<rows).map { _ in
                total &+= unzigzag(readBinCount(data, at: &position))
                return total
            }
        }
        func bins(_ column: RollupBlock.Column, count: Int) -> [[UInt64]] {
            let data = self.column(column)
            var position = 0
            let stored = Int(readBinCount(data, at: &position))
            var totals = [UInt64](repeating: 0, count: max(stored, count))
            return (0..<rows).map { _ in
                var changes = Int(readBinCount(data, at: &position))
                var index = 0
                while changes > 0 {
                    index += Int(readBinCount(data, at: &position))
                    let delta = UInt64(bitPattern: unzigzag(readBinCount(data, at: &position)))
                    if index < totals.count { totals[index] &+= delta }
                    changes -= 1
                }
                return Array(totals.prefix(count))
            }
        }
        let requests = integers(.requests)
        let latencyCount = integers(.latencyCount)
        let latencySum = try values(.latencySum)
        let latencyBins = bins(.latencyBins, count: EventMetrics.durationBuckets.count + 1)
        let ttftCount = integers(.ttftCount)
        let ttftSum = try values(.ttftSum)
        let ttftBins = bins(.ttftBins, count: EventMetrics.timeToFirstTokenBuckets.count + 1)
        let inputTokens = integers(.inputTokens)
        let outputTokens = integers(.outputTokens)
        let cachedTokens = integers(.cachedTokens)
        let reasoningTokens = integers(.reasoningTokens)
        let cost = try values(.cost)
        let costedRequests = integers(.costedRequests)
        return buckets.indices.map { row in
            var totals = CumulativeTotals()
            totals.requests = requests[row]
            totals.latencyCount = latencyCount[row]
            totals.latencySum = latencySum[row]
            totals.latencyBins = latencyBins[row]
            totals.ttftCount = ttftCount[row]
            totals.ttftSum = ttftSum[row]
            totals.ttftBins = ttftBins[row]
            totals.inputTokens = inputTokens[row]
            totals.outputTokens = outputTokens[row]
            totals.cachedTokens = cachedTokens[row]
            totals.reasoningTokens = reasoningTokens[row]
            totals.cost = cost[row]
            totals.costedRequests = costedRequests[row]
            return RollupRow(bucket: buckets[row], lastTimestamp: lasts[row], totals: totals)
        }
    }
}

/// Rows of sealed hours, which only their blocks hold once `RollupBlockSealer`
/// has deleted them from `rollups`.
enum SealedRollupRows {
    /// The label set's newest block row before `before`, looking back no further
    /// than the hour of `notBefore` (a row found elsewhere at that time is newer
    /// than anything in earlier blocks).
    static func latest(
        _ connection: SQLiteConnection, keyID: Int64, before: Timestamp, notBefore: Timestamp, span: Int64,
        interval: Int64
    ) throws -> RollupRow? {
        var found: RollupRow?
        try backwards(connection, keyID: keyID, before: before, notBefore: notBefore, span: span) { start, block in
            found = try block.rows(start: start, interval: interval).last { $0.bucket < before }
            return found != nil
        }
        return found
    }

    /// Hands the label set's blocks that may hold rows before `before` to `body`,
    /// newest first, until it returns true.
    static func backwards(
        _ connection: SQLiteConnection, keyID: Int64, before: Timestamp, notBefore: Timestamp, span: Int64,
        _ body: (Timestamp, RollupBlockReader) throws -> Bool
    ) throws {
        guard before > 0,
            let upper = RollupBlock.id(keyID: keyID, start: floorDivide(before - 1, span) * span, span: span)
        else { return }
        let lower = RollupBlock.id(keyID: keyID, start: floorDivide(max(0, notBefore), span) * span, span: span)
        let statement = try connection.cached(
            "SELECT start, data FROM rollup_blocks WHERE id >= ? AND id <= ? ORDER BY id DESC")
        defer { statement.reset() }
        statement.bind(1, lower ?? keyID << RollupBlock.hourBits)
        statement.bind(2, upper)
        while try statement.step() {
            let start = statement.int64(0)
            if try statement.withBlob(1, { try body(start, try RollupBlockReader($0)) }) { return }
        }
    }

    /// All rows of the label set's blocks from the hour `from` is in.
    static func all(
        _ connection: SQLiteConnection, keyID: Int64, from: Timestamp, span: Int64, interval: Int64
    ) throws -> [RollupRow] {
        let statement = try connection.cached(
            "SELECT start, data FROM rollup_blocks WHERE id >= ? AND id < ? ORDER BY id")
        defer { statement.reset() }
        statement.bind(
            1,
            RollupBlock.id(keyID: keyID, start: floorDivide(max(0, from), span) * span, span: span)
                ?? keyID << RollupBlock.hourBits)
        statement.bind(2, RollupBlock.endID(keyID: keyID))
        var rows: [RollupRow] = []
        while try statement.step() {
            let start = statement.int64(0)
            rows += try statement.withBlob(1) { try RollupBlockReader($0).rows(start: start, interval: interval) }
        }
        return rows
    }

    /// Puts rows back into `rollups`, keeping any row already there: a row
    /// written in this transaction is newer than its block.
    static func restore(_ connection: SQLiteConnection, keyID: Int64, rows: [RollupRow]) throws {
        guard !rows.isEmpty else { return }
        let statement = try connection.cached("INSERT OR IGNORE INTO rollups \(RollupRow.insertValues)")
        for row in rows {
            RollupRow.bind(
                statement, keyID: keyID, bucket: row.bucket, lastTimestamp: row.lastTimestamp, totals: row.totals)
            try statement.run()
        }
    }

    /// Rollup intervals stored: the rows, plus the rows of blocks whose hours
    /// were deleted from `rollups` (before the pruning horizon; blocks after it
    /// still have their rows while an older store is being pruned).
    static func count(_ connection: SQLiteConnection) throws -> Int64 {
        let rows = try connection.scalarInt("SELECT count(*) FROM rollups")
        let horizon = try connection.prepare("SELECT value FROM settings WHERE name = ?")
        horizon.bind(1, RollupBlockSealer.prunedSettingName)
        guard try horizon.step(), let pruned = Int64(horizon.string(0)) else { return rows }
        let sealed = try connection.prepare("SELECT coalesce(sum(rows), 0) FROM rollup_blocks WHERE start < ?")
        sealed.bind(1, pruned)
        return try rows + (sealed.step() ? sealed.int64(0) : 0)
    }
}

extension CounterProjection {
    /// The projected values of the label set's newest block row before `before`,
    /// for a counter read's carried-forward row when its hour is sealed.
    func latestSealedRow(
        _ connection: SQLiteConnection, keyID: Int64, before: Timestamp, notBefore: Timestamp, span: Int64,
        interval: Int64
    ) throws -> (bucket: Timestamp, lastTimestamp: Timestamp, values: [Double])? {
        var found: (bucket: Timestamp, lastTimestamp: Timestamp, values: [Double])?
        try SealedRollupRows.backwards(connection, keyID: keyID, before: before, notBefore: notBefore, span: span) {
            start, block in
            var buckets: [Timestamp] = []
            var lastTimestamps: [Timestamp] = []
            var values: [Double] = []
            try extract(
                block: block, start: start, interval: interval, from: start, upTo: before, buckets: &buckets,
                lastTimestamps: &lastTimestamps, values: &values)
            guard let bucket = buckets.last, let last = lastTimestamps.last else { return false }
            found = (bucket, last, Array(values.suffix(sources.count)))
            return true
        }
        return found
    }
}

extension SealedRollupRows {
    /// Whether a block of the label set holds a row at or before `through`.
    static func any(_ connection: SQLiteConnection, keyID: Int64, through: Timestamp, span: Int64, interval: Int64)
        throws -> Bool
    {
        guard through >= 0 else { return false }
        let statement = try connection.cached(
            "SELECT start, data FROM rollup_blocks WHERE id >= ? AND id < ? ORDER BY id LIMIT 1")
        defer { statement.reset() }
        statement.bind(1, keyID << RollupBlock.hourBits)
        statement.bind(2, RollupBlock.endID(keyID: keyID))
        guard try statement.step() else { return false }
        let start = statement.int64(0)
        if start > through { return false }
        return try statement.withBlob(1) {
            try RollupBlockReader($0).buckets(start: start, interval: interval).first.map { $0 <= through } ?? false
        }
    }
}
