public import InfermonCore

#if canImport(Glibc)
    import Glibc
#endif

/// What `infermon stats` shows: how much is stored and what was refused.
public struct StoreStats: Sendable {
    public var events: Int64 = 0
    public var firstEvent: Timestamp?
    public var lastEvent: Timestamp?
    public var eventKeys: Int64 = 0
    /// Rollup intervals stored: the rows of `rollups` and those of sealed hours, which only their blocks hold.
    public var rollupRows: Int64 = 0
    /// Sealed hours of label sets (`rollup_blocks`).
    public var rollupBlocks: Int64 = 0
    public var namedSeries: Int64 = 0
    public var chunks: Int64 = 0
    public var storedSamples: Int64 = 0
    public var deadLetters: [(kind: String, count: Int64, latestReason: String)] = []
    public var checkpoints: [(source: String, path: String, offset: Int64, line: Int64)] = []
    /// Events that arrived already older than the event retention, by source:
    /// counted in rollups, their raw rows removed at the next retention pass.
    public var expiredOnArrival: [ExpiredOnArrival] = []
    public var rollupInterval: Int64 = 0
    /// Bytes of the database file plus its write-ahead log.
    public var sizeBytes: Int64 = 0

    public init() {}

    static func read(_ connection: SQLiteConnection, path: String) throws -> StoreStats {
        var stats = StoreStats()
        let events = try connection.prepare("SELECT count(*), min(ts), max(ts) FROM events")
        if try events.step() {
            stats.events = events.int64(0)
            stats.firstEvent = events.isNull(1) ? nil : events.int64(1)
            stats.lastEvent = events.isNull(2) ? nil : events.int64(2)
        }
        stats.eventKeys = try connection.scalarInt("SELECT count(*) FROM event_keys")
        stats.rollupRows = try SealedRollupRows.count(connection)
        stats.rollupBlocks = try connection.scalarInt("SELECT count(*) FROM rollup_blocks")
        stats.namedSeries = try connection.scalarInt("SELECT count(*) FROM series")
        stats.chunks = try connection.scalarInt("SELECT count(*) FROM chunks")
        stats.storedSamples = try connection.scalarInt("SELECT coalesce(sum(samples), 0) FROM chunks")
        stats.rollupInterval = Int64(
            try connection.scalarInt("SELECT CAST(value AS INTEGER) FROM settings WHERE name = 'rollup_interval_ms'"))
        let letters = try connection.prepare(
            "SELECT kind, count(*), (SELECT reason FROM dead_letters d2 WHERE d2.kind = d.kind ORDER BY id DESC LIMIT 1) FROM dead_letters d GROUP BY kind ORDER BY count(*) DESC"
        )
        while try letters.step() { stats.deadLetters.append((letters.string(0), letters.int64(1), letters.string(2))) }
        let checkpoints = try connection.prepare(
            "SELECT source, path, byte_offset, line FROM checkpoints ORDER BY source, path")
        while try checkpoints.step() {
            stats.checkpoints.append(
                (checkpoints.string(0), checkpoints.string(1), checkpoints.int64(2), checkpoints.int64(3)))
        }
        stats.expiredOnArrival = try ExpiredOnArrival.read(connection)
        stats.sizeBytes = fileSizeBytes(path) + fileSizeBytes(path + "-wal")
        return stats
    }
}

/// One source's count of events that were past the event retention when they arrived.
public struct ExpiredOnArrival: Sendable, Equatable {
    public var source: String
    public var events: Int64
    /// The cut-off in force at the last such arrival: events stamped before it were expired.
    public var lastCutoff: Timestamp

    public init(source: String, events: Int64, lastCutoff: Timestamp) {
        self.source = source
        self.events = events
        self.lastCutoff = lastCutoff
    }

    static func read(_ connection: SQLiteConnection) throws -> [ExpiredOnArrival] {
        let rows = try connection.prepare("SELECT source, events, last_cutoff FROM expired_on_arrival ORDER BY source")
        var result: [ExpiredOnArrival] = []
        while try rows.step() {
            result.append(ExpiredOnArrival(source: rows.string(0), events: rows.int64(1), lastCutoff: rows.int64(2)))
        }
        return result
    }
}
