import InfermonCore
import PostgresNIO
public import Store

extension PostgresStore {
    /// What `infermon stats` shows, from the shared database: every daemon's
    /// events, label sets, rollups, named series, dead letters and checkpoints.
    /// There are no chunks (samples are rows); a checkpoint's source is
    /// `source@host`, since each daemon keeps its own.
    public func stats() throws -> StoreStats {
        var stats = StoreStats()
        stats.rollupInterval = rollupInterval
        try readers.withConnection { connection in
            if let row = try connection.rows("SELECT count(*), min(ts), max(ts) FROM events", logger: logger).first {
                let (count, first, last) = try row.decode((Int64, Int64?, Int64?).self)
                stats.events = count
                stats.firstEvent = first
                stats.lastEvent = last
            }
            func count(_ query: PostgresQuery) throws -> Int64 {
                try connection.rows(query, logger: logger).first?.decode(Int64.self) ?? 0
            }
            stats.eventKeys = try count("SELECT count(*) FROM event_keys")
            stats.rollupRows = try count("SELECT count(*) FROM rollups")
            stats.namedSeries = try count("SELECT count(*) FROM series")
            stats.storedSamples = try count("SELECT count(*) FROM samples")
            stats.deadLetters = try connection.rows(
                """
                SELECT kind, count(*), (SELECT reason FROM dead_letters d2 WHERE d2.kind = d.kind ORDER BY id DESC LIMIT 1)
                FROM dead_letters d GROUP BY kind ORDER BY count(*) DESC
                """, logger: logger
            ).map { row in
                let (kind, count, reason) = try row.decode((String, Int64, String).self)
                return (kind, count, reason)
            }
            stats.checkpoints = try connection.rows(
                "SELECT source, host, path, byte_offset, line FROM checkpoints ORDER BY source, host, path",
                logger: logger
            ).map { row in
                let (source, host, path, offset, line) = try row.decode((String, String, String, Int64, Int64).self)
                return ("\(source)@\(host)", path, offset, line)
            }
        }
        stats.expiredOnArrival = try expiredOnArrival()
        stats.sizeBytes = try databaseSizeBytes()
        return stats
    }
}
