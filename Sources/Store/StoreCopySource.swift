public import InfermonCore

#if canImport(Glibc)
    import Glibc
#endif

/// One value of a copied row, typed as the target column wants it.
package enum CopyValue: Sendable, Equatable {
    case null
    case int(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// How a column is read out of SQLite: `storedText` columns may hold a zstd
/// frame (see `TextCompression`) and are read through `infermon_text()`.
package enum CopyColumnKind: Sendable {
    case int, real, text, blob
}

/// A table copied as it is, row for row: its columns (their SQLite
/// expressions and kinds) and the column its rows are paged by.
package struct CopyTable: Sendable {
    package var name: String
    package var columns: [(name: String, kind: CopyColumnKind)]
    /// Paged by this column (unique, indexed); nil: the table is read whole.
    package var cursor: String?
    package var order: String

    package init(name: String, columns: [(String, CopyColumnKind)], cursor: String? = nil, order: String) {
        self.name = name
        self.columns = columns.map { (name: $0.0, kind: $0.1) }
        self.cursor = cursor
        self.order = order
    }
}

/// One `rollups` row of SQLite: running totals of its label set.
package struct CopyRollupRow: Sendable, Equatable {
    package var keyID: Int64
    package var bucket: Int64
    package var lastTimestamp: Int64
    /// requests, latency_count, ttft_count, input, output, cached and reasoning tokens, costed_requests.
    package var counts: [Int64]
    /// latency_sum, ttft_sum, cost.
    package var sums: [Double]
    package var latencyBins: [Int64]
    package var ttftBins: [Int64]

    /// This row's own counts: its running totals less those of the row before it
    /// of the same label set (nil for the first row kept, whose running totals
    /// are all of the label set's history, retention's deletions included).
    package func counted(since previous: CopyRollupRow?) -> CopyRollupRow {
        guard let previous else { return self }
        var own = self
        own.counts = zip(counts, previous.counts).map { $0 &- $1 }
        own.sums = zip(sums, previous.sums).map { $0 - $1 }
        own.latencyBins = zip(latencyBins, previous.latencyBins).map { $0 &- $1 }
        own.ttftBins = zip(ttftBins, previous.ttftBins).map { $0 &- $1 }
        return own
    }
}

/// A label set of `event_keys`.
package struct CopyKey: Sendable {
    package var id: Int64
    package var model, modelVersion, route, tenant, status: String
    package var firstBucket: Int64
}

/// Reads an SQLite store for `infermon store copy`: every table the PostgreSQL
/// store has, in pages, decoded (texts out of their zstd frames, named series
/// out of their chunks). All reads run in one read transaction, so the copy
/// sees one snapshot of the file even if a daemon still writes to it.
package final class SQLiteCopySource {
    package let path: String
    package let rollupInterval: Int64
    private let connection: SQLiteConnection

    /// The columns of an `events` row as the copy reads them: the event's id,
    /// then PostgreSQL's `COPY` columns in their order (prediction and label
    /// split into a number and a text).
    package static let eventColumns: [(String, CopyColumnKind)] = [
        ("e.id", .int), ("e.ts", .int), ("e.key_id", .int), ("e.source_id", .int), ("e.request_id", .text),
        ("e.error_type", .text), ("e.latency", .real), ("e.ttft", .real), ("e.prompt_tokens", .int),
        ("e.completion_tokens", .int), ("e.cached_tokens", .int), ("e.reasoning_tokens", .int),
        ("e.cache_write_tokens", .int), ("e.cost", .real), ("e.finish_reason", .text), ("e.streamed", .int),
        ("CASE WHEN typeof(e.prediction) IN ('integer', 'real') THEN e.prediction END", .real),
        ("CASE WHEN typeof(e.prediction) = 'text' THEN e.prediction END", .text),
        ("CASE WHEN typeof(e.label) IN ('integer', 'real') THEN e.label END", .real),
        ("CASE WHEN typeof(e.label) = 'text' THEN e.label END", .text), ("e.feedback", .real),
        ("e.features", .text), ("infermon_text(e.attributes)", .text), ("infermon_text(t.prompt)", .text),
        ("infermon_text(t.response)", .text), ("infermon_text(t.context)", .text),
    ]

    /// Opens an existing store (migrating it to this version's schema, as any
    /// command that opens it does) and starts the read transaction.
    package init(path: String) throws {
        guard access(path, F_OK) == 0 else { throw InfermonError.invalidArgument("no SQLite store at \(path)") }
        self.path = path
        connection = try SQLiteConnection(path: path, mode: .readWrite)
        try connection.execute("PRAGMA journal_mode = WAL")
        try Migrations.migrate(connection)
        let select = try connection.prepare("SELECT value FROM settings WHERE name = 'rollup_interval_ms'")
        rollupInterval = try select.step() ? Int64(select.string(0)) ?? 60_000 : 60_000
        try connection.execute("BEGIN")
        // A read transaction starts at its first read: take the snapshot now.
        _ = try connection.scalarInt("SELECT count(*) FROM settings")
    }

    deinit { try? connection.execute("COMMIT") }

    package func count(_ table: String) throws -> Int64 {
        // Sealed hours' rollup rows are counted in their blocks.
        if table == "rollups" { return try SealedRollupRows.count(connection) }
        return try connection.scalarInt("SELECT count(*) FROM \(table)")
    }

    package func keys() throws -> [CopyKey] {
        let statement = try connection.prepare(
            "SELECT id, model, model_version, route, tenant, status, first_bucket FROM event_keys ORDER BY id")
        var result: [CopyKey] = []
        while try statement.step() {
            result.append(
                CopyKey(
                    id: statement.int64(0), model: statement.string(1), modelVersion: statement.string(2),
                    route: statement.string(3), tenant: statement.string(4), status: statement.string(5),
                    firstBucket: statement.int64(6)))
        }
        return result
    }

    package func sources() throws -> [(id: Int64, name: String)] {
        let statement = try connection.prepare("SELECT id, name FROM sources ORDER BY id")
        var result: [(id: Int64, name: String)] = []
        while try statement.step() { result.append((statement.int64(0), statement.string(1))) }
        return result
    }

    /// Named series: SQLite id and labels.
    package func series() throws -> [(id: Int64, labels: Labels)] {
        let statement = try connection.prepare("SELECT id, labels FROM series ORDER BY id")
        var result: [(id: Int64, labels: Labels)] = []
        while try statement.step() { result.append((statement.int64(0), try LabelsText.decode(statement.string(1)))) }
        return result
    }

    /// Events after `id`, oldest id first, texts decoded; columns as `eventColumns`.
    package func events(after id: Int64, limit: Int) throws -> [[CopyValue]] {
        let statement = try connection.prepare(
            "SELECT \(Self.eventColumns.map(\.0).joined(separator: ", ")) FROM events e "
                + "LEFT JOIN event_texts t ON t.event_id = e.id WHERE e.id > ? ORDER BY e.id LIMIT ?")
        statement.bind(1, id)
        statement.bind(2, Int64(limit))
        return try rows(statement, kinds: Self.eventColumns.map(\.1))
    }

    /// Rows of `table` after `cursor` in its order, `limit` at most (all when the table has no cursor).
    package func rows(_ table: CopyTable, after cursor: CopyValue?, limit: Int) throws -> [[CopyValue]] {
        var sql = "SELECT \(table.columns.map(\.name).joined(separator: ", ")) FROM \(table.name)"
        if let column = table.cursor {
            if cursor != nil { sql += " WHERE \(column) > ?" }
            sql += " ORDER BY \(table.order) LIMIT \(limit)"
        } else {
            sql += " ORDER BY \(table.order)"
        }
        let statement = try connection.prepare(sql)
        switch cursor {
        case .int(let value)?: statement.bind(1, value)
        case .text(let value)?: statement.bind(1, value)
        case .real(let value)?: statement.bind(1, value)
        default: break
        }
        return try rows(statement, kinds: table.columns.map(\.kind))
    }

    private func rows(_ statement: Statement, kinds: [CopyColumnKind]) throws -> [[CopyValue]] {
        var result: [[CopyValue]] = []
        while try statement.step() {
            var row: [CopyValue] = []
            row.reserveCapacity(kinds.count)
            for (index, kind) in kinds.enumerated() {
                let column = Int32(index)
                if statement.isNull(column) {
                    row.append(.null)
                    continue
                }
                switch kind {
                case .int: row.append(.int(statement.int64(column)))
                case .real: row.append(.real(statement.double(column)))
                case .text: row.append(.text(statement.string(column)))
                case .blob: row.append(.blob(statement.blob(column)))
                }
            }
            result.append(row)
        }
        return result
    }

    /// Rollup rows after (key, bucket), in (key, bucket) order: those of `rollups`
    /// and those of sealed hours, which only their blocks hold, merged.
    package func rollups(after cursor: (key: Int64, bucket: Int64)?, limit: Int) throws -> [CopyRollupRow] {
        let statement = try connection.prepare(
            "SELECT key_id, \(RollupRow.columns) FROM rollups WHERE (key_id, bucket) > (?, ?) "
                + "ORDER BY key_id, bucket LIMIT ?")
        statement.bind(1, cursor?.key ?? Int64.min)
        statement.bind(2, cursor?.bucket ?? Int64.min)
        statement.bind(3, Int64(limit))
        var rows: [(key: Int64, row: RollupRow)] = []
        while try statement.step() { rows.append((statement.int64(0), try RollupRow(statement, firstColumn: 1))) }
        let sealed = try sealedRollups(after: cursor, limit: limit)
        if !sealed.isEmpty {
            // A block and a row of an hour not yet pruned hold the same values: keep one.
            rows = (rows + sealed).sorted { ($0.key, $0.row.bucket) < ($1.key, $1.row.bucket) }
            var seen: (Int64, Int64)?
            rows.removeAll { entry in
                defer { seen = (entry.key, entry.row.bucket) }
                return seen.map { $0 == (entry.key, entry.row.bucket) } ?? false
            }
            rows = Array(rows.prefix(limit))
        }
        return rows.map { key, row in
            let totals = row.totals
            return CopyRollupRow(
                keyID: key, bucket: row.bucket, lastTimestamp: row.lastTimestamp,
                counts: [
                    totals.requests, totals.latencyCount, totals.ttftCount, totals.inputTokens, totals.outputTokens,
                    totals.cachedTokens, totals.reasoningTokens, totals.costedRequests,
                ],
                sums: [totals.latencySum, totals.ttftSum, totals.cost],
                latencyBins: totals.latencyBins.map { Int64(bitPattern: $0) },
                ttftBins: totals.ttftBins.map { Int64(bitPattern: $0) })
        }
    }

    /// Up to `limit` block rows after the cursor, in (key, bucket) order.
    private func sealedRollups(after cursor: (key: Int64, bucket: Int64)?, limit: Int) throws -> [(
        key: Int64, row: RollupRow
    )] {
        guard let span = RollupBlock.span(forInterval: rollupInterval) else { return [] }
        var firstID: Int64 = 0
        if let cursor, cursor.key >= 0 {
            firstID =
                RollupBlock.id(keyID: cursor.key, start: floorDivide(max(0, cursor.bucket), span) * span, span: span)
                ?? RollupBlock.endID(keyID: cursor.key)
        }
        let statement = try connection.prepare(
            "SELECT key_id, start, data FROM rollup_blocks WHERE id >= ? ORDER BY id")
        statement.bind(1, firstID)
        var result: [(key: Int64, row: RollupRow)] = []
        while result.count < limit, try statement.step() {
            let key = statement.int64(0)
            let start = statement.int64(1)
            let rows = try statement.withBlob(2) {
                try RollupBlockReader($0).rows(start: start, interval: rollupInterval)
            }
            for row in rows where cursor.map({ (key, row.bucket) > ($0.key, $0.bucket) }) ?? true {
                result.append((key, row))
            }
        }
        return result
    }

    /// The rollup row at exactly (key, bucket), to difference against when a copy resumes after it.
    package func rollup(key: Int64, bucket: Int64) throws -> CopyRollupRow? {
        guard let row = try rollups(after: (key, bucket - 1), limit: 1).first, row.keyID == key, row.bucket == bucket
        else { return nil }
        return row
    }

    /// Sketch rows after (key, bucket): the five serialized sketches or nil.
    package func sketches(after cursor: (key: Int64, bucket: Int64)?, limit: Int) throws -> [(
        key: Int64, bucket: Int64, sketches: [[UInt8]?]
    )] {
        let statement = try connection.prepare(
            "SELECT key_id, bucket, \(RollupRow.sketchColumns) FROM rollup_sketches WHERE (key_id, bucket) > (?, ?) "
                + "ORDER BY key_id, bucket LIMIT ?")
        statement.bind(1, cursor?.key ?? Int64.min)
        statement.bind(2, cursor?.bucket ?? Int64.min)
        statement.bind(3, Int64(limit))
        var result: [(key: Int64, bucket: Int64, sketches: [[UInt8]?])] = []
        while try statement.step() {
            let sketches = (Int32(2)...6).map { statement.isNull($0) ? nil : statement.blob($0) }
            result.append((statement.int64(0), statement.int64(1), sketches))
        }
        return result
    }

    /// Named-series chunks after (series, start), decoded: up to `limit` chunks.
    package func chunks(after cursor: (series: Int64, start: Int64)?, limit: Int) throws -> [(
        series: Int64, start: Int64, samples: [Sample]
    )] {
        let statement = try connection.prepare(
            "SELECT series_id, start_ts, samples, data FROM chunks WHERE (series_id, start_ts) > (?, ?) "
                + "ORDER BY series_id, start_ts LIMIT ?")
        statement.bind(1, cursor?.series ?? Int64.min)
        statement.bind(2, cursor?.start ?? Int64.min)
        statement.bind(3, Int64(limit))
        var result: [(series: Int64, start: Int64, samples: [Sample])] = []
        while try statement.step() {
            var samples: [Sample] = []
            let count = Int(statement.int64(2))
            try statement.withBlob(3) { try decodeXORChunk($0, count: count, into: &samples) }
            result.append((statement.int64(0), statement.int64(1), samples))
        }
        return result
    }

    /// Samples rewritten after the fact (`backfilled_samples`) after (series, ts).
    package func backfilledSamples(after cursor: (series: Int64, ts: Int64)?, limit: Int) throws -> [(
        series: Int64, sample: Sample
    )] {
        let statement = try connection.prepare(
            "SELECT series_id, ts, value FROM backfilled_samples WHERE (series_id, ts) > (?, ?) "
                + "ORDER BY series_id, ts LIMIT ?")
        statement.bind(1, cursor?.series ?? Int64.min)
        statement.bind(2, cursor?.ts ?? Int64.min)
        statement.bind(3, Int64(limit))
        var result: [(series: Int64, sample: Sample)] = []
        while try statement.step() {
            result.append((statement.int64(0), Sample(statement.int64(1), statement.double(2))))
        }
        return result
    }

    /// The judgments of the events with ids in (`after`, `through`] that are still
    /// stored: they are copied with their events, under the events' new ids.
    package func judgments(eventsAfter after: Int64, through: Int64) throws -> [Judgment] {
        try judgments(
            "WHERE j.event_id > ? AND j.event_id <= ? AND EXISTS (SELECT 1 FROM events e WHERE e.id = j.event_id)",
            after, through)
    }

    /// Judgments whose event retention removed (judgments are kept longer), those
    /// of at most `limit` events after event id `after`, all of an event together.
    package func judgmentsWithoutEvents(after: Int64, limit: Int) throws -> [Judgment] {
        try judgments(
            """
            WHERE j.event_id IN (SELECT DISTINCT event_id FROM judgments g WHERE g.event_id > ?
              AND NOT EXISTS (SELECT 1 FROM events e WHERE e.id = g.event_id) ORDER BY event_id LIMIT ?)
            """, after, Int64(limit))
    }

    private func judgments(_ condition: String, _ first: Int64, _ second: Int64) throws -> [Judgment] {
        let statement = try connection.prepare(
            """
            SELECT j.event_id, j.judge, j.request_id, j.event_ts, j.judged_at, j.model, j.route, j.verdict, j.score,
              j.reason, j.cost, j.failed FROM judgments j \(condition) ORDER BY j.event_id, j.judge
            """)
        statement.bind(1, first)
        statement.bind(2, second)
        var result: [Judgment] = []
        while try statement.step() {
            result.append(
                Judgment(
                    eventID: statement.int64(0), requestID: statement.string(2), eventTimestamp: statement.int64(3),
                    judgedAt: statement.int64(4), judge: statement.string(1), model: statement.string(5),
                    route: statement.string(6), verdict: Verdict(rawValue: statement.string(7)) ?? .unknown,
                    score: statement.optionalDouble(8), reason: statement.string(9), cost: statement.double(10),
                    failed: statement.int64(11) != 0))
        }
        return result
    }

    /// The quality sampler's scan cursors: SQLite event ids, each mapped to the
    /// copied event's new id as the events are copied.
    package func judgeCursors() throws -> [(name: String, position: Int64)] {
        let statement = try connection.prepare("SELECT name, event_id FROM judge_cursors ORDER BY name")
        var result: [(name: String, position: Int64)] = []
        while try statement.step() { result.append((statement.string(0), statement.int64(1))) }
        return result
    }

    /// Every event with its label set and source by name, in id order: what a
    /// copied store must hold (for tests).
    package func eventsForComparison() throws -> [[CopyValue]] {
        var columns = Self.eventColumns.dropFirst(4).map(\.1)
        columns.insert(contentsOf: [.int, .text, .text, .text, .text, .text, .text], at: 0)
        let statement = try connection.prepare(
            "SELECT e.ts, k.model, k.model_version, k.route, k.tenant, k.status, s.name, "
                + Self.eventColumns.dropFirst(4).map(\.0).joined(separator: ", ")
                + " FROM events e JOIN event_keys k ON k.id = e.key_id LEFT JOIN sources s ON s.id = e.source_id"
                + " LEFT JOIN event_texts t ON t.event_id = e.id ORDER BY e.id")
        return try rows(statement, kinds: columns)
    }
}
