import InfermonCore

/// The open rollup interval of every event key, and the rows they become.
///
/// A batch's events reach it grouped by key (`add(_:keyID:)` with one key's
/// events), not one by one in arrival order: a key's five sketches span tens of
/// kilobytes of bins, and interleaved keys would evict each other's bins from
/// the CPU caches on almost every event.
final class RollupAccumulator {
    private let connection: SQLiteConnection
    let interval: Int64
    private var open: [Int64: RollupState] = [:]
    /// Events of intervals before their key's open one, by key and interval:
    /// counted in their own interval at `flush`, and added to every later
    /// cumulative row, since the rows hold totals from the key's birth.
    private var late: [Int64: [Timestamp: [RollupFields]]] = [:]
    /// The latest interval any key has reached, and the one idle keys were last dropped at.
    private var newestBucket: Timestamp = .min
    private var trimmedAt: Timestamp = .min
    /// Copies closed hours into column blocks for long reads; nil when the interval is too long to need them.
    private let blocks: RollupBlockSealer?
    /// Held directly, as `StoreWriter` holds its request-id statement: with a row or
    /// two per event at high label cardinality, looking them up in the connection's
    /// cache would hash and compare their SQL and clear their bindings on every row.
    private let insertRow: Statement
    private let insertSketches: Statement

    init(connection: SQLiteConnection, interval: Int64) throws {
        self.connection = connection
        self.interval = interval
        insertRow = try connection.prepare("INSERT OR REPLACE INTO rollups \(RollupRow.insertValues)")
        insertSketches = try connection.prepare(
            """
            INSERT OR REPLACE INTO rollup_sketches (key_id, bucket, latency_sketch, ttft_sketch, tpot_sketch,
              input_tokens_sketch, output_tokens_sketch) VALUES (?,?,?,?,?,?,?)
            """)
        blocks = try RollupBlock.span(forInterval: interval).map {
            try RollupBlockSealer(connection: connection, interval: interval, span: $0)
        }
    }

    /// Adds one key's events, in their arrival order. An event for an interval
    /// that is already closed (a late line, a backfill after live traffic) is
    /// kept aside and counted in its own interval when the batch is flushed, so
    /// `increase()` over that interval sees it; the time policy keeps events
    /// from the far future out, so the open interval never runs ahead of now.
    func add(_ events: [RollupFields], keyID: Int64) throws {
        guard let first = events.first else { return }
        var state: RollupState
        if let current = open[keyID] {
            state = current
        } else {
            let timestamp = first.timestamp
            state =
                try loadLatest(keyID: keyID)
                ?? RollupState(
                    bucket: bucket(of: timestamp), lastTimestamp: timestamp, totals: CumulativeTotals(),
                    sketches: IntervalSketches(), dirty: true)
            open[keyID] = state
        }
        var start = events.startIndex
        while start < events.endIndex {
            let bucket = bucket(of: events[start].timestamp)
            if bucket > newestBucket { newestBucket = bucket }
            if bucket < state.bucket {
                late[keyID, default: [:]][bucket, default: []].append(events[start])
                start += 1
                continue
            }
            if bucket > state.bucket {
                if state.dirty { try write(state, keyID: keyID) }
                state = RollupState(
                    bucket: bucket, lastTimestamp: events[start].timestamp, totals: state.totals,
                    sketches: IntervalSketches(), dirty: true)
                open[keyID] = state
            }
            // The run of events up to the next one that opens a later interval.
            var end = start + 1
            while end < events.endIndex && self.bucket(of: events[end].timestamp) == state.bucket { end += 1 }
            state.add(events[start..<end])
            start = end
        }
    }

    @inline(__always)
    func bucket(of timestamp: Timestamp) -> Timestamp { floorDivide(timestamp, interval) * interval }

    /// Writes every interval that changed in this batch; open ones are rewritten
    /// on later batches until their interval passes.
    func flush() throws {
        for (keyID, buckets) in late {
            guard let state = open[keyID] else { continue }
            try applyLate(buckets, keyID: keyID, openState: state)
        }
        late.removeAll(keepingCapacity: true)
        for (keyID, state) in open where state.dirty {
            try write(state, keyID: keyID)
            state.dirty = false
        }
        // Keep memory bounded by the label sets active now, not by every one ever seen:
        // once an interval starts, a key whose open interval ended before the previous
        // one has been idle for a whole interval. Its state is all in its stored rows
        // (written above), and `loadLatest` reads it back if it has events again.
        if newestBucket > trimmedAt {
            trimmedAt = newestBucket
            let keep = newestBucket - interval
            if open.values.contains(where: { $0.bucket < keep }) {
                open = open.filter { $0.value.bucket >= keep }
            }
        }
        try blocks?.flush(newestBucket: newestBucket)
    }

    /// The open intervals held in memory: how many, and their bytes counted
    /// structurally (each state's `retainedBytes`, and the dictionary's slots).
    var openFootprint: (labelSets: Int, bytes: Int) {
        let slots = open.capacity * (MemoryLayout<Int64>.stride + MemoryLayout<RollupState>.stride + 1)
        return (open.count, open.values.reduce(slots) { $0 + $1.retainedBytes })
    }

    /// Forgets every open interval, after a failed transaction left memory ahead of
    /// the database; they are read back from their last stored rows when next used.
    func discard() {
        open.removeAll()
        late.removeAll()
        trimmedAt = .min
        blocks?.discard()
    }

    /// Counts late events in their own intervals: each such row gets the events'
    /// counts and sketches (created from the row before it if it did not exist),
    /// and every later row up to the open one, which is still in memory, gets
    /// their counts added to its cumulative totals.
    private func applyLate(_ buckets: [Timestamp: [RollupFields]], keyID: Int64, openState: RollupState) throws {
        let lateBuckets = buckets.keys.sorted()
        guard let first = lateBuckets.first else { return }
        // Cumulative totals just before the first late interval.
        let before = try connection.cached(
            "SELECT \(RollupRow.columns) FROM rollups WHERE key_id = ? AND bucket < ? ORDER BY bucket DESC LIMIT 1")
        before.bind(1, keyID)
        before.bind(2, first)
        let beforeRow = try before.step() ? try RollupRow(before, firstColumn: 0) : nil
        before.reset()
        // Sealed hours' rows are only in their blocks: the later ones come back to be rewritten.
        let latest = try blocks?.latest(keyID: keyID, before: first, row: beforeRow) ?? beforeRow
        var previous = latest?.totals ?? CumulativeTotals()
        try blocks?.unseal(keyID: keyID, from: first)
        let stored = try connection.cached(
            "SELECT \(RollupRow.columns) FROM rollups WHERE key_id = ? AND bucket >= ? AND bucket < ? ORDER BY bucket")
        stored.bind(1, keyID)
        stored.bind(2, first)
        stored.bind(3, openState.bucket)
        var rows: [Timestamp: RollupRow] = [:]
        while try stored.step() {
            let row = try RollupRow(stored, firstColumn: 0)
            rows[row.bucket] = row
        }
        stored.reset()
        var added = CumulativeTotals()
        for bucket in Set(rows.keys).union(lateBuckets).sorted() {
            let existing = rows[bucket]
            var lastTimestamp = existing?.lastTimestamp ?? .min
            var sketches = IntervalSketches()
            if let events = buckets[bucket] {
                // This interval's own counts and sketches, on top of what it held.
                let own = RollupState(
                    bucket: bucket, lastTimestamp: lastTimestamp, totals: CumulativeTotals(),
                    sketches: existing == nil ? IntervalSketches() : try loadSketches(keyID: keyID, bucket: bucket),
                    dirty: true)
                own.add(events[...])
                added.add(own.totals)
                lastTimestamp = own.lastTimestamp
                sketches = own.sketches
            }
            var totals = existing?.totals ?? previous
            if let existing { previous = existing.totals }
            totals.add(added)
            // Rows without late events of their own keep their sketches: empty ones are not written.
            try write(
                RollupState(
                    bucket: bucket, lastTimestamp: lastTimestamp, totals: totals, sketches: sketches, dirty: true),
                keyID: keyID)
        }
        openState.totals.add(added)
        openState.dirty = true
        let birth = try connection.cached("UPDATE event_keys SET first_bucket = ? WHERE id = ? AND first_bucket > ?")
        birth.bind(1, first)
        birth.bind(2, keyID)
        birth.bind(3, first)
        try birth.run()
    }

    private func loadSketches(keyID: Int64, bucket: Timestamp) throws -> IntervalSketches {
        let statement = try connection.cached(
            "SELECT \(RollupRow.sketchColumns) FROM rollup_sketches WHERE key_id = ? AND bucket = ?")
        statement.bind(1, keyID)
        statement.bind(2, bucket)
        defer { statement.reset() }
        return try statement.step() ? try RollupRow.sketches(statement, firstColumn: 0) : IntervalSketches()
    }

    /// Counters and sketches go to separate tables: counter queries over long
    /// ranges then read narrow rows, and only quantile queries touch the sketches.
    private func write(_ state: RollupState, keyID: Int64) throws {
        blocks?.written(keyID: keyID, bucket: state.bucket)
        RollupRow.bind(
            insertRow, keyID: keyID, bucket: state.bucket, lastTimestamp: state.lastTimestamp, totals: state.totals)
        try insertRow.run()
        let sketches = state.sketches
        guard
            !(sketches.latency.isEmpty && sketches.ttft.isEmpty && sketches.tpot.isEmpty
                && sketches.inputTokens.isEmpty && sketches.outputTokens.isEmpty)
        else { return }
        let sketchRow = insertSketches
        sketchRow.bind(1, keyID)
        sketchRow.bind(2, state.bucket)
        sketchRow.bind(3, blob: sketches.latency.isEmpty ? nil : sketches.latency.serialized())
        sketchRow.bind(4, blob: sketches.ttft.isEmpty ? nil : sketches.ttft.serialized())
        sketchRow.bind(5, blob: sketches.tpot.isEmpty ? nil : sketches.tpot.serialized())
        sketchRow.bind(6, blob: sketches.inputTokens.isEmpty ? nil : sketches.inputTokens.serialized())
        sketchRow.bind(7, blob: sketches.outputTokens.isEmpty ? nil : sketches.outputTokens.serialized())
        try sketchRow.run()
    }

    private func loadLatest(keyID: Int64) throws -> RollupState? {
        let statement = try connection.cached(
            "SELECT \(RollupRow.columns) FROM rollups WHERE key_id = ? ORDER BY bucket DESC LIMIT 1")
        statement.bind(1, keyID)
        let stored = try statement.step() ? try RollupRow(statement, firstColumn: 0) : nil
        statement.reset()
        // A label set idle since an hour now sealed has its newest row in a block.
        guard let row = try blocks?.latest(keyID: keyID, before: .max, row: stored) ?? stored else { return nil }
        let sketchRow = try connection.cached(
            "SELECT \(RollupRow.sketchColumns) FROM rollup_sketches WHERE key_id = ? AND bucket = ?")
        sketchRow.bind(1, keyID)
        sketchRow.bind(2, row.bucket)
        let sketches = try sketchRow.step() ? try RollupRow.sketches(sketchRow, firstColumn: 0) : IntervalSketches()
        return RollupState(
            bucket: row.bucket, lastTimestamp: row.lastTimestamp, totals: row.totals, sketches: sketches, dirty: false)
    }
}
