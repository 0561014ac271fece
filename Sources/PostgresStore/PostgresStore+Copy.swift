public import InfermonCore
public import Logging
import NIOCore
import PostgresNIO
public import Store

#if canImport(Glibc)
    import Glibc
#endif

/// How `infermon store copy` runs.
public struct StoreCopyOptions: Sendable {
    /// Copy into a database that already holds events or rollups, adding to them.
    public var append = false
    /// Rows per chunk (one transaction each) of the large tables.
    public var batchRows = 5000
    /// Stop (with an error) after this many chunks: for tests of an interrupted copy.
    public var stopAfterChunks: Int?
    public init() {}
}

/// What a copy wrote, per table (over every run of an interrupted copy).
public struct StoreCopyReport: Sendable {
    public var tables: [(name: String, rows: Int64)] = []
    /// True when this run finished a copy an earlier run had started.
    public var resumed = false
    public var seconds = 0.0
}

/// Copies an SQLite store into PostgreSQL, table by table, in chunks that are
/// each one transaction together with the copy's position (`store_copy.*`
/// rows of `settings`), so an interrupted copy resumes exactly where its last
/// committed chunk ended when run again.
///
/// Raw events go in by `COPY` with their texts decoded. Rollups are copied as
/// rows, not re-derived from raw events (retention may have dropped the raw
/// events of intervals whose rollups remain): SQLite's running totals become
/// each interval's own counts by differencing consecutive rows of a label set,
/// the first row kept taking all the history before it; sketches are copied
/// as they are (merged into a row the target already has). Named series are
/// decoded out of their chunks into samples.
public enum StoreCopy {
    static let marker = "store_copy."

    public static func run(
        from path: String, to settings: PostgresSettings, options: StoreCopyOptions = StoreCopyOptions(),
        logger: Logger, progress: @escaping @Sendable (String) -> Void
    ) async throws -> StoreCopyReport {
        let started = ContinuousClock.now
        let sourcePath = realPath(path)
        let source = try SQLiteCopySource(path: sourcePath)
        let store = try await PostgresStore.open(
            settings: settings, options: StoreOptions(rollupInterval: .milliseconds(source.rollupInterval)),
            logger: logger)
        do {
            var run = try await StoreCopyRun(
                source: source, sourcePath: sourcePath, store: store, options: options, progress: progress)
            var report = try await run.copy()
            let elapsed = ContinuousClock.now - started
            report.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            await store.close()
            return report
        } catch {
            await store.close()
            throw error
        }
    }

    static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// One run of a copy: the maps from SQLite ids to PostgreSQL ids and the position reached.
struct StoreCopyRun {
    let source: SQLiteCopySource
    let sourcePath: String
    let store: PostgresStore
    let options: StoreCopyOptions
    let progress: @Sendable (String) -> Void
    var logger: Logger { store.logger }
    /// `store_copy.*` rows: table → cursor ("done" when copied), `rows.table` → rows copied.
    var markers: [String: String] = [:]
    var keys: [Int64: Int64] = [:]
    var sources: [Int64: Int64] = [:]
    var series: [Int64: Int64] = [:]
    var chunks = 0
    var resumed = false

    init(
        source: SQLiteCopySource, sourcePath: String, store: PostgresStore, options: StoreCopyOptions,
        progress: @escaping @Sendable (String) -> Void
    ) async throws {
        self.source = source
        self.sourcePath = sourcePath
        self.store = store
        self.options = options
        self.progress = progress
        guard store.rollupInterval == source.rollupInterval else {
            throw InfermonError.invalidArgument(
                "the PostgreSQL database counts in intervals of \(store.rollupInterval / 1000)s and the SQLite store "
                    + "in \(source.rollupInterval / 1000)s: rollup rows cannot be copied between them")
        }
        markers = try await store.inTransaction { [logger = store.logger] connection in
            var found: [String: String] = [:]
            for try await (name, value) in try await connection.query(
                "SELECT name, value FROM settings WHERE name LIKE 'store\\_copy.%'", logger: logger
            ).decode((String, String).self) {
                found[String(name.dropFirst(StoreCopy.marker.count))] = value
            }
            return found
        }
    }

    // MARK: Start and resume

    /// Resumes an interrupted copy of the same file, or starts a new one if
    /// the database holds no events and no rollups (or `append` says to add).
    mutating func begin() async throws {
        if markers["state"] == "running", markers["source"] == sourcePath {
            resumed = true
            progress("resuming the interrupted copy of \(sourcePath)")
            return
        }
        let holds = try await store.inTransaction { [logger] connection in
            var holds = false
            for try await value in try await connection.query(
                "SELECT EXISTS (SELECT 1 FROM events) OR EXISTS (SELECT 1 FROM rollups)", logger: logger
            ).decode(Bool.self) { holds = value }
            return holds
        }
        if !options.append {
            if markers["state"] == "running", let other = markers["source"] {
                throw InfermonError.invalidArgument(
                    "\(store.settings.redactedURL) holds an interrupted copy of \(other): run that copy again to "
                        + "finish it, or give --append to add this store beside it")
            }
            if holds {
                var why = "\(store.settings.redactedURL) already holds events or rollups"
                if markers["state"] == "finished", let other = markers["source"] { why += " (copied from \(other))" }
                throw InfermonError.invalidArgument(
                    why + "; copy into an empty database, or give --append to add this store's counts to them")
            }
        }
        markers = ["source": sourcePath, "state": "running"]
        try await store.inTransaction { [logger, sourcePath] connection in
            try await connection.query("DELETE FROM settings WHERE name LIKE 'store\\_copy.%'", logger: logger)
            try await connection.query(
                """
                INSERT INTO settings (name, value) VALUES ('store_copy.source', \(sourcePath)),
                  ('store_copy.state', 'running')
                """, logger: logger)
        }
    }

    mutating func copy() async throws -> StoreCopyReport {
        try await begin()
        try await mapKeysSourcesAndSeries()
        try await copyEvents()
        try await copyRollups()
        try await copySketches()
        try await copySamples()
        try await copyBackfilledSamples()
        try await copyJudgmentsWithoutEvents()
        for spec in StoreCopyRun.plainTables + StoreCopyRun.qualityTables { try await copyPlain(spec) }
        try await store.inTransaction { [logger] connection in
            try await connection.query(
                "UPDATE settings SET value = 'finished' WHERE name = 'store_copy.state'", logger: logger)
        }
        var report = StoreCopyReport()
        report.resumed = resumed
        report.tables = StoreCopyRun.tableNames.map { ($0, Int64(markers["rows.\($0)"] ?? "0") ?? 0) }
        return report
    }

    static var tableNames: [String] {
        ["events", "rollups", "rollup_sketches", "chunks", "backfilled_samples", "judgments"]
            + (plainTables + qualityTables).map(\.table.name)
    }

    // MARK: Chunks

    /// Copies one table chunk by chunk: `next` reads the chunk after a cursor
    /// (nil: the table is done) and gives its rows, its last cursor and what
    /// to write; the write and the new cursor commit together.
    mutating func copyTable(
        _ table: String, next: (inout StoreCopyRun, String?) async throws -> CopyChunk?
    ) async throws {
        if markers[table] == "done" { return }
        let total = try source.count(table)
        var copied = Int64(markers["rows.\(table)"] ?? "0") ?? 0
        var lastReport = ContinuousClock.now
        if total > 0 { progress("\(table): \(total) rows\(copied > 0 ? ", \(copied) copied before" : "")") }
        while true {
            let position = markers[table]
            let chunk = try await next(&self, position)
            let cursor = chunk?.cursor ?? "done"
            let rows = copied + Int64(chunk?.rows ?? 0)
            try await store.inTransaction { [logger] connection in
                try await chunk?.write(connection, logger)
                try await connection.query(
                    """
                    INSERT INTO settings (name, value) VALUES (\(StoreCopy.marker + table), \(cursor)),
                      (\(StoreCopy.marker + "rows." + table), \(String(rows)))
                    ON CONFLICT (name) DO UPDATE SET value = excluded.value
                    """, logger: logger)
            }
            markers[table] = cursor
            markers["rows.\(table)"] = String(rows)
            copied = rows
            guard chunk != nil else { break }
            chunks += 1
            if ContinuousClock.now - lastReport >= .seconds(1) {
                progress("\(table): \(copied) of \(total)")
                lastReport = ContinuousClock.now
            }
            if let stop = options.stopAfterChunks, chunks >= stop {
                throw InfermonError.unavailable("stopped after \(chunks) chunks, as asked")
            }
        }
    }

    // MARK: Label sets, sources, series

    /// The target ids of SQLite's label sets, sources and named series, made to
    /// exist (a label set's first interval lowered to SQLite's when earlier).
    mutating func mapKeysSourcesAndSeries() async throws {
        let sqliteKeys = try source.keys()
        let sqliteSources = try source.sources()
        let sqliteSeries = try source.series()
        (keys, sources, series) = try await store.inTransaction { [logger] connection in
            var keys: [Int64: Int64] = [:]
            var sources: [Int64: Int64] = [:]
            var series: [Int64: Int64] = [:]
            let ordered = sqliteKeys.sorted {
                ($0.model, $0.modelVersion, $0.route, $0.tenant, $0.status)
                    < ($1.model, $1.modelVersion, $1.route, $1.tenant, $1.status)
            }
            for key in ordered {
                for try await id in try await connection.query(
                    """
                    INSERT INTO event_keys (model, model_version, route, tenant, status, first_bucket)
                    VALUES (\(key.model), \(key.modelVersion), \(key.route), \(key.tenant), \(key.status),
                      \(key.firstBucket))
                    ON CONFLICT (model, model_version, route, tenant, status)
                    DO UPDATE SET first_bucket = LEAST(event_keys.first_bucket, excluded.first_bucket)
                    RETURNING id
                    """, logger: logger
                ).decode(Int64.self) { keys[key.id] = id }
            }
            for (id, name) in sqliteSources {
                for try await target in try await connection.query(
                    """
                    INSERT INTO sources (name) VALUES (\(name))
                    ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id
                    """, logger: logger
                ).decode(Int64.self) { sources[id] = target }
            }
            for (id, labels) in sqliteSeries {
                let text = labelsText(labels)
                for try await target in try await connection.query(
                    """
                    INSERT INTO series (name, labels, label_names, label_values)
                    VALUES (\(labels[Labels.metricName] ?? ""), \(text), \(labels.pairs.map(\.name))::text[],
                      \(labels.pairs.map(\.value))::text[])
                    ON CONFLICT (labels) DO UPDATE SET name = excluded.name RETURNING id
                    """, logger: logger
                ).decode(Int64.self) { series[id] = target }
            }
            return (keys, sources, series)
        }
    }

    // MARK: Events

    /// Each chunk draws the events' new ids itself, so their judgments and scan
    /// cursors can follow them in the same transaction (see `qualityOfEvents`).
    mutating func copyEvents() async throws {
        try await copyTable("events") { run, cursor in
            let after = Int64(cursor ?? "0") ?? 0
            let rows = try run.source.events(after: after, limit: run.options.batchRows)
            guard let last = rows.last, case .int(let lastID) = last[0] else { return nil }
            var days: Set<Int64> = []
            var sourceIDs: [Int64] = []
            for row in rows {
                if case .int(let ts) = row[1] {
                    days.insert(floorDivide(ts, PostgresBatchWriter.day) * PostgresBatchWriter.day)
                }
                if case .int(let id) = row[0] { sourceIDs.append(id) }
            }
            try await run.ensurePartitions(days)
            var lines: [String] = []
            for row in rows {
                var line = ""
                try Self.appendCopyLine(row, keys: run.keys, sources: run.sources, to: &line)
                lines.append(line)
            }
            let quality = try run.qualityOfEvents(after: after, through: lastID)
            return CopyChunk(rows: rows.count, cursor: String(lastID)) { [lines, sourceIDs] connection, logger in
                let targetIDs = try await Self.drawEventIDs(lines.count, connection, logger)
                let body = zip(targetIDs, lines).map { String($0) + "\t" + $1 }.joined()
                try await connection.copyFrom(
                    table: "events", columns: ["id"] + PostgresBatchWriter.copyColumns, logger: logger
                ) { writer in
                    var buffer = ByteBuffer()
                    var offset = body.utf8.startIndex
                    let utf8 = body.utf8
                    while offset < utf8.endIndex {
                        let end = utf8.index(offset, offsetBy: 1 << 16, limitedBy: utf8.endIndex) ?? utf8.endIndex
                        buffer.clear()
                        buffer.writeBytes(utf8[offset..<end])
                        try await writer.write(buffer)
                        offset = end
                    }
                }
                try await quality.write(sourceIDs: sourceIDs, targetIDs: targetIDs, connection, logger)
            }
        }
    }

    /// One line of `COPY events` text: the row after its SQLite id, with the
    /// key and source ids of the target, `streamed` as a boolean.
    static func appendCopyLine(
        _ row: [CopyValue], keys: [Int64: Int64], sources: [Int64: Int64], to line: inout String
    ) throws {
        for index in 1..<row.count {
            var value = row[index]
            switch (index, value) {
            case (2, .int(let id)):
                guard let target = keys[id] else { throw InfermonError.storage("event with unknown key id \(id)") }
                value = .int(target)
            case (3, .int(let id)):
                value = sources[id].map { .int($0) } ?? .null
            case (15, .int(let flag)):
                value = .text(flag != 0 ? "t" : "f")
            default: break
            }
            switch value {
            case .null: line += "\\N"
            case .int(let number): line += String(number)
            case .real(let number): line += "\(number)"
            case .text(let text):
                for character in text.unicodeScalars {
                    switch character {
                    case "\\": line += "\\\\"
                    case "\t": line += "\\t"
                    case "\n": line += "\\n"
                    case "\r": line += "\\r"
                    default: line.unicodeScalars.append(character)
                    }
                }
            case .blob: throw InfermonError.storage("unexpected blob in an event row")
            }
            line += index == row.count - 1 ? "\n" : "\t"
        }
    }

    /// The day partitions the events need, as the store's writer makes them.
    func ensurePartitions(_ days: Set<Int64>) async throws {
        for day in days.sorted() {
            try await store.inTransaction { [logger] connection in
                try await PostgresBatchWriter.createPartition(day, on: connection, logger: logger)
            }
        }
    }

    // MARK: Rollups

    static func pair(_ cursor: String?) -> (Int64, Int64)? {
        guard let cursor else { return nil }
        let parts = cursor.split(separator: ",")
        guard parts.count == 2, let first = Int64(parts[0]), let second = Int64(parts[1]) else { return nil }
        return (first, second)
    }

    /// Rollup rows, each interval's own counts (the difference of SQLite's
    /// running totals from the row before it of the same label set), added to
    /// any row the target holds for the same label set and interval.
    mutating func copyRollups() async throws {
        var previous: CopyRollupRow?
        if let (key, bucket) = Self.pair(markers["rollups"]) {
            previous = try source.rollup(key: key, bucket: bucket)
        }
        try await copyTable("rollups") { run, cursor in
            let rows = try run.source.rollups(
                after: Self.pair(cursor).map { (key: $0.0, bucket: $0.1) }, limit: run.options.batchRows)
            guard let last = rows.last else { return nil }
            var own: [CopyRollupRow] = []
            for row in rows {
                var counted = row.counted(since: previous?.keyID == row.keyID ? previous : nil)
                guard let key = run.keys[row.keyID] else {
                    throw InfermonError.storage("rollup of unknown key id \(row.keyID)")
                }
                counted.keyID = key
                own.append(counted)
                previous = row
            }
            let rowsToWrite = own
            return CopyChunk(rows: rows.count, cursor: "\(last.keyID),\(last.bucket)") { connection, logger in
                try await Self.insertRollups(rowsToWrite, connection, logger)
            }
        }
    }

    static func insertRollups(_ rows: [CopyRollupRow], _ connection: PostgresConnection, _ logger: Logger)
        async throws
    {
        func counts(_ index: Int) -> [Int64] { rows.map { $0.counts[index] } }
        func sums(_ index: Int) -> [Double] { rows.map { $0.sums[index] } }
        func bins(_ path: KeyPath<CopyRollupRow, [Int64]>) -> [String] {
            rows.map { "{" + $0[keyPath: path].map { String($0) }.joined(separator: ",") + "}" }
        }
        let keys = rows.map(\.keyID)
        let buckets = rows.map(\.bucket)
        let lasts = rows.map(\.lastTimestamp)
        let latencyBins = bins(\.latencyBins)
        let ttftBins = bins(\.ttftBins)
        try await connection.query(
            """
            INSERT INTO rollups (key_id, bucket, last_ts, requests, latency_count, latency_sum, latency_bins,
              ttft_count, ttft_sum, ttft_bins, input_tokens, output_tokens, cached_tokens, reasoning_tokens, cost,
              costed_requests)
            SELECT k, b, l, r, lc, ls, lb::bigint[], tc, ts, tb::bigint[], it, ot, ct, rt, c, cr FROM unnest(
              \(keys)::bigint[], \(buckets)::bigint[], \(lasts)::bigint[], \(counts(0))::bigint[],
              \(counts(1))::bigint[], \(sums(0))::float8[], \(latencyBins)::text[], \(counts(2))::bigint[],
              \(sums(1))::float8[], \(ttftBins)::text[], \(counts(3))::bigint[], \(counts(4))::bigint[],
              \(counts(5))::bigint[], \(counts(6))::bigint[], \(sums(2))::float8[], \(counts(7))::bigint[])
              AS u(k, b, l, r, lc, ls, lb, tc, ts, tb, it, ot, ct, rt, c, cr)
            ORDER BY k, b
            ON CONFLICT (key_id, bucket) DO UPDATE SET
              last_ts = GREATEST(rollups.last_ts, excluded.last_ts),
              requests = rollups.requests + excluded.requests,
              latency_count = rollups.latency_count + excluded.latency_count,
              latency_sum = rollups.latency_sum + excluded.latency_sum,
              latency_bins = infermon_add_bins(rollups.latency_bins, excluded.latency_bins),
              ttft_count = rollups.ttft_count + excluded.ttft_count,
              ttft_sum = rollups.ttft_sum + excluded.ttft_sum,
              ttft_bins = infermon_add_bins(rollups.ttft_bins, excluded.ttft_bins),
              input_tokens = rollups.input_tokens + excluded.input_tokens,
              output_tokens = rollups.output_tokens + excluded.output_tokens,
              cached_tokens = rollups.cached_tokens + excluded.cached_tokens,
              reasoning_tokens = rollups.reasoning_tokens + excluded.reasoning_tokens,
              cost = rollups.cost + excluded.cost,
              costed_requests = rollups.costed_requests + excluded.costed_requests
            """, logger: logger)
    }

    // MARK: Sketches

    static let sketchColumns = [
        "latency_sketch", "ttft_sketch", "tpot_sketch", "input_tokens_sketch", "output_tokens_sketch",
    ]

    /// Sketch rows as they are; a row the target already holds (`--append`)
    /// gets SQLite's sketches merged into its own.
    mutating func copySketches() async throws {
        try await copyTable("rollup_sketches") { run, cursor in
            let rows = try run.source.sketches(
                after: Self.pair(cursor).map { (key: $0.0, bucket: $0.1) }, limit: run.options.batchRows)
            guard let last = rows.last else { return nil }
            var mapped: [(key: Int64, bucket: Int64, sketches: [[UInt8]?])] = []
            for row in rows {
                guard let key = run.keys[row.key] else {
                    throw InfermonError.storage("sketch of unknown key id \(row.key)")
                }
                mapped.append((key, row.bucket, row.sketches))
            }
            let box = UncheckedSendableBox(mapped)
            return CopyChunk(rows: rows.count, cursor: "\(last.key),\(last.bucket)") { connection, logger in
                try await Self.insertSketches(box.value, connection, logger)
            }
        }
    }

    static func insertSketches(
        _ rows: [(key: Int64, bucket: Int64, sketches: [[UInt8]?])], _ connection: PostgresConnection,
        _ logger: Logger
    ) async throws {
        func hex(_ index: Int) -> [String] {
            rows.map { row in
                guard let bytes = row.sketches[index] else { return "" }
                return bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
            }
        }
        let keys = rows.map(\.key)
        let buckets = rows.map(\.bucket)
        let columns = (0..<5).map(hex)
        var inserted: Set<[Int64]> = []
        for try await (key, bucket) in try await connection.query(
            """
            INSERT INTO rollup_sketches (key_id, bucket, latency_sketch, ttft_sketch, tpot_sketch,
              input_tokens_sketch, output_tokens_sketch)
            SELECT k, b, decode(NULLIF(s1, ''), 'hex'), decode(NULLIF(s2, ''), 'hex'), decode(NULLIF(s3, ''), 'hex'),
              decode(NULLIF(s4, ''), 'hex'), decode(NULLIF(s5, ''), 'hex')
            FROM unnest(\(keys)::bigint[], \(buckets)::bigint[], \(columns[0])::text[], \(columns[1])::text[],
              \(columns[2])::text[], \(columns[3])::text[], \(columns[4])::text[]) AS u(k, b, s1, s2, s3, s4, s5)
            ORDER BY k, b
            ON CONFLICT (key_id, bucket) DO NOTHING RETURNING key_id, bucket
            """, logger: logger
        ).decode((Int64, Int64).self) { inserted.insert([key, bucket]) }
        for row in rows where !inserted.contains([row.key, row.bucket]) {
            try await mergeSketches(row, connection, logger)
        }
    }

    /// Merges a copied row's sketches into the target's row (locked) and writes it back.
    static func mergeSketches(
        _ row: (key: Int64, bucket: Int64, sketches: [[UInt8]?]), _ connection: PostgresConnection, _ logger: Logger
    ) async throws {
        var merged = try row.sketches.map { try $0.map { try QuantileSketch(serialized: $0) } ?? QuantileSketch() }
        for try await stored in try await connection.query(
            """
            SELECT latency_sketch, ttft_sketch, tpot_sketch, input_tokens_sketch, output_tokens_sketch
            FROM rollup_sketches WHERE key_id = \(row.key) AND bucket = \(row.bucket) FOR UPDATE
            """, logger: logger
        ).decode((ByteBuffer?, ByteBuffer?, ByteBuffer?, ByteBuffer?, ByteBuffer?).self) {
            for (index, buffer) in [stored.0, stored.1, stored.2, stored.3, stored.4].enumerated() {
                if let buffer { merged[index].merge(try QuantileSketch(serialized: buffer.readableBytesView)) }
            }
        }
        let bytes = merged.map { $0.isEmpty ? nil : ByteBuffer(bytes: $0.serialized()) }
        try await connection.query(
            """
            UPDATE rollup_sketches SET latency_sketch = \(bytes[0]), ttft_sketch = \(bytes[1]),
              tpot_sketch = \(bytes[2]), input_tokens_sketch = \(bytes[3]), output_tokens_sketch = \(bytes[4])
            WHERE key_id = \(row.key) AND bucket = \(row.bucket)
            """, logger: logger)
    }

    // MARK: Named series

    /// Samples out of SQLite's chunks, a chunk page at a time (a sample the target has keeps its value).
    mutating func copySamples() async throws {
        try await copyTable("chunks") { run, cursor in
            let chunks = try run.source.chunks(
                after: Self.pair(cursor).map { (series: $0.0, start: $0.1) }, limit: max(1, run.options.batchRows / 100)
            )
            guard let last = chunks.last else { return nil }
            var ids: [Int64] = []
            var times: [Int64] = []
            var values: [Double] = []
            for chunk in chunks {
                guard let id = run.series[chunk.series] else {
                    throw InfermonError.storage("samples of unknown series id \(chunk.series)")
                }
                for sample in chunk.samples {
                    ids.append(id)
                    times.append(sample.timestamp)
                    values.append(sample.value)
                }
            }
            let (idList, timeList, valueList) = (ids, times, values)
            return CopyChunk(rows: chunks.count, cursor: "\(last.series),\(last.start)") { connection, logger in
                try await connection.query(
                    """
                    INSERT INTO samples (series_id, ts, value)
                    SELECT * FROM unnest(\(idList)::bigint[], \(timeList)::bigint[], \(valueList)::float8[])
                    ON CONFLICT (series_id, ts) DO NOTHING
                    """, logger: logger)
            }
        }
    }

    /// Samples stages rewrote after the fact: they win over a chunk's sample at the same time, as in SQLite.
    mutating func copyBackfilledSamples() async throws {
        try await copyTable("backfilled_samples") { run, cursor in
            let rows = try run.source.backfilledSamples(
                after: Self.pair(cursor).map { (series: $0.0, ts: $0.1) }, limit: run.options.batchRows)
            guard let last = rows.last else { return nil }
            var ids: [Int64] = []
            for row in rows {
                guard let id = run.series[row.series] else {
                    throw InfermonError.storage("samples of unknown series id \(row.series)")
                }
                ids.append(id)
            }
            let (idList, times, values) = (ids, rows.map(\.sample.timestamp), rows.map(\.sample.value))
            return CopyChunk(rows: rows.count, cursor: "\(last.series),\(last.sample.timestamp)") {
                connection, logger in
                try await connection.query(
                    """
                    INSERT INTO samples (series_id, ts, value)
                    SELECT * FROM unnest(\(idList)::bigint[], \(times)::bigint[], \(values)::float8[])
                    ON CONFLICT (series_id, ts) DO UPDATE SET value = excluded.value
                    """, logger: logger)
            }
        }
    }

    // MARK: Tables copied as they are

    /// A table whose rows go over unchanged: SQLite's columns, the leading
    /// ones that are only read (a cursor), values added at the end (this
    /// host's name), the target's columns and what to do on a conflict.
    struct PlainTable: Sendable {
        var table: CopyTable
        var skip = 0
        var addHost = false
        var target: [String]
        var conflict: String
    }

    static let plainTables: [PlainTable] = [
        PlainTable(
            table: CopyTable(
                name: "request_ids", columns: [("request_id", .text), ("ts", .int)], cursor: "request_id",
                order: "request_id"),
            target: ["request_id", "ts"], conflict: "ON CONFLICT (request_id) DO NOTHING"),
        PlainTable(
            table: CopyTable(
                name: "dead_letters",
                columns: [
                    ("id", .int), ("received_at", .int), ("source", .text), ("location", .text), ("line", .int),
                    ("kind", .text), ("reason", .text), ("excerpt", .blob),
                ], cursor: "id", order: "id"),
            skip: 1, addHost: true,
            target: ["received_at", "source", "location", "line", "kind", "reason", "excerpt", "host"], conflict: ""),
        PlainTable(
            table: CopyTable(
                name: "checkpoints",
                columns: [
                    ("source", .text), ("input_key", .text), ("path", .text), ("byte_offset", .int), ("line", .int),
                    ("fingerprint", .int), ("fingerprint_length", .int), ("updated_at", .int),
                ], order: "source, input_key"),
            addHost: true,
            target: [
                "source", "input_key", "path", "byte_offset", "line", "fingerprint", "fingerprint_length", "updated_at",
                "host",
            ],
            conflict: """
                ON CONFLICT (host, source, input_key) DO UPDATE SET path = excluded.path,
                  byte_offset = excluded.byte_offset, line = excluded.line, fingerprint = excluded.fingerprint,
                  fingerprint_length = excluded.fingerprint_length, updated_at = excluded.updated_at
                """),
        PlainTable(
            table: CopyTable(
                name: "expired_on_arrival",
                columns: [("source", .text), ("events", .int), ("last_cutoff", .int), ("updated_at", .int)],
                order: "source"),
            target: ["source", "events", "last_cutoff", "updated_at"],
            conflict: """
                ON CONFLICT (source) DO UPDATE SET events = expired_on_arrival.events + excluded.events,
                  last_cutoff = GREATEST(expired_on_arrival.last_cutoff, excluded.last_cutoff),
                  updated_at = GREATEST(expired_on_arrival.updated_at, excluded.updated_at)
                """),
        PlainTable(
            table: CopyTable(
                name: "alert_states",
                columns: [
                    ("group_key", .text), ("rule", .text), ("occurrence", .int), ("labels", .text),
                    ("annotations", .text), ("state", .text), ("active_at", .int), ("fired_at", .int),
                    ("resolved_at", .int), ("keep_firing_since", .int), ("last_sent_at", .int), ("valid_until", .int),
                ], order: "group_key, rule, occurrence, labels"),
            target: [
                "group_key", "rule", "occurrence", "labels", "annotations", "state", "active_at", "fired_at",
                "resolved_at", "keep_firing_since", "last_sent_at", "valid_until",
            ],
            conflict: """
                ON CONFLICT (group_key, rule, occurrence, labels) DO UPDATE SET annotations = excluded.annotations,
                  state = excluded.state, active_at = excluded.active_at, fired_at = excluded.fired_at,
                  resolved_at = excluded.resolved_at, keep_firing_since = excluded.keep_firing_since,
                  last_sent_at = excluded.last_sent_at, valid_until = excluded.valid_until
                """),
        PlainTable(
            table: CopyTable(
                name: "notification_outbox",
                columns: [
                    ("id", .text), ("integration", .text), ("group_key", .text), ("body", .blob),
                    ("created_at", .int), ("expires_at", .int), ("attempts", .int), ("next_attempt_at", .int),
                    ("last_error", .text),
                ], order: "seq"),
            target: [
                "id", "integration", "group_key", "body", "created_at", "expires_at", "attempts", "next_attempt_at",
                "last_error",
            ], conflict: "ON CONFLICT (id) DO NOTHING"),
        PlainTable(
            table: CopyTable(
                name: "notification_dead_letters",
                columns: [
                    ("id", .text), ("integration", .text), ("group_key", .text), ("body", .blob),
                    ("created_at", .int), ("expires_at", .int), ("attempts", .int), ("next_attempt_at", .int),
                    ("last_error", .text), ("failed_at", .int), ("reason", .text),
                ], order: "failed_at, id"),
            target: [
                "id", "integration", "group_key", "body", "created_at", "expires_at", "attempts", "next_attempt_at",
                "last_error", "failed_at", "reason",
            ], conflict: "ON CONFLICT (id) DO NOTHING"),
        PlainTable(
            table: CopyTable(
                name: "notification_counters", columns: [("integration", .text), ("dead_lettered", .int)],
                order: "integration"),
            target: ["integration", "dead_lettered"],
            conflict: """
                ON CONFLICT (integration) DO UPDATE
                SET dead_lettered = notification_counters.dead_lettered + excluded.dead_lettered
                """),
        PlainTable(
            table: CopyTable(
                name: "notification_log",
                columns: [
                    ("group_key", .text), ("integration", .text), ("sent_at", .int), ("firing", .blob),
                    ("resolved", .blob),
                ], order: "group_key, integration"),
            target: ["group_key", "integration", "sent_at", "firing", "resolved"],
            conflict: """
                ON CONFLICT (group_key, integration) DO UPDATE SET sent_at = excluded.sent_at,
                  firing = excluded.firing, resolved = excluded.resolved
                WHERE excluded.sent_at > notification_log.sent_at
                """),
        PlainTable(
            table: CopyTable(
                name: "silences",
                columns: [
                    ("id", .text), ("matchers", .text), ("starts_at", .int), ("ends_at", .int), ("created_by", .text),
                    ("comment", .text), ("updated_at", .int),
                ], order: "rowid"),
            target: ["id", "matchers", "starts_at", "ends_at", "created_by", "comment", "updated_at"],
            conflict: """
                ON CONFLICT (id) DO UPDATE SET matchers = excluded.matchers, starts_at = excluded.starts_at,
                  ends_at = excluded.ends_at, created_by = excluded.created_by, comment = excluded.comment,
                  updated_at = excluded.updated_at
                WHERE excluded.updated_at > silences.updated_at
                """),
        PlainTable(
            table: CopyTable(
                name: "drift_baselines",
                columns: [
                    ("name", .text), ("from_ts", .int), ("through_ts", .int), ("created_at", .int), ("events", .int),
                    ("data", .blob),
                ], order: "name"),
            target: ["name", "from_ts", "through_ts", "created_at", "events", "data"],
            conflict: """
                ON CONFLICT (name) DO UPDATE SET from_ts = excluded.from_ts, through_ts = excluded.through_ts,
                  created_at = excluded.created_at, events = excluded.events, data = excluded.data
                WHERE excluded.created_at > drift_baselines.created_at
                """),
        // Remote write's batches keep their order under new ids; an endpoint the
        // database already ships to keeps its own cursor (its samples are queued past it).
        PlainTable(
            table: CopyTable(
                name: "remote_write_queue",
                columns: [("id", .int), ("endpoint", .text), ("samples", .int), ("highest_ts", .int), ("body", .blob)],
                cursor: "id", order: "id"),
            skip: 1, target: ["endpoint", "samples", "highest_ts", "body"], conflict: ""),
        PlainTable(
            table: CopyTable(
                name: "remote_write_cursors", columns: [("endpoint", .text), ("cursor", .int)], order: "endpoint"),
            target: ["endpoint", "cursor"], conflict: "ON CONFLICT (endpoint) DO NOTHING"),
    ]

    /// Rows per INSERT statement of a plain table (PostgreSQL takes at most 65,535 parameters).
    static let rowsPerStatement = 500

    mutating func copyPlain(_ spec: PlainTable) async throws {
        let host = store.hostName
        try await copyTable(spec.table.name) { run, cursor in
            if spec.table.cursor == nil && cursor != nil { return nil }
            let after: CopyValue? =
                switch (cursor, spec.table.columns[0].kind) {
                case (nil, _): nil
                case (let text?, .int): Int64(text).map { .int($0) } ?? .null
                case (let text?, _): .text(text)
                }
            let rows = try run.source.rows(spec.table, after: after, limit: run.options.batchRows)
            guard let last = rows.last else { return nil }
            let next: String
            switch last[0] {
            case .int(let value): next = String(value)
            case .text(let value): next = value
            default: next = "all"
            }
            let values = rows.map { row in Array(row.dropFirst(spec.skip)) + (spec.addHost ? [.text(host)] : []) }
            return CopyChunk(rows: rows.count, cursor: next) { connection, logger in
                var start = 0
                while start < values.count {
                    let slice = values[start..<min(start + Self.rowsPerStatement, values.count)]
                    try await Self.insert(slice, spec, connection, logger)
                    start += slice.count
                }
            }
        }
    }

    static func insert(
        _ rows: ArraySlice<[CopyValue]>, _ spec: PlainTable, _ connection: PostgresConnection, _ logger: Logger
    ) async throws {
        var bindings = PostgresBindings()
        var tuples: [String] = []
        var parameter = 0
        for row in rows {
            var placeholders: [String] = []
            for value in row {
                parameter += 1
                placeholders.append("$\(parameter)")
                switch value {
                case .null: bindings.appendNull()
                case .int(let number): bindings.append(number)
                case .real(let number): bindings.append(number)
                case .text(let text): bindings.append(text)
                case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
                }
            }
            tuples.append("(" + placeholders.joined(separator: ", ") + ")")
        }
        let sql =
            "INSERT INTO \(spec.table.name) (\(spec.target.joined(separator: ", "))) VALUES "
            + tuples.joined(separator: ", ") + " " + spec.conflict
        try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
    }
}

/// One chunk of a table: how many source rows it holds, the cursor after it,
/// and its writes (run in the transaction that also records the cursor).
struct CopyChunk: Sendable {
    var rows: Int
    var cursor: String
    var write: @Sendable (PostgresConnection, Logger) async throws -> Void
}
