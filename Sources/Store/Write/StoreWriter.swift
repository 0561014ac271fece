import CSQLite
import InfermonCore
import Logging

/// Everything that writes: events, their rollups, dead letters, checkpoints and
/// named samples. It lives on one connection and is only ever used from the
/// store's serial write queue, so it needs no locks of its own.
final class StoreWriter: @unchecked Sendable {
    let connection: SQLiteConnection
    let rollupInterval: Int64
    private let logger: Logger
    private let clock: any WallClock
    private var keyIDs: [EventKey: Int64] = [:]
    private var sourceIDs: [String: Int64] = [:]
    private var rollups: [Int64: RollupState] = [:]
    let samples: SampleWriter
    /// The per-event statements, held directly: looking them up in the
    /// connection's cache hashes and compares their long SQL on every event.
    private let insertEvent: Statement
    private let insertText: Statement
    private let insertRequestID: Statement

    init(connection: SQLiteConnection, rollupInterval: Int64, clock: any WallClock, logger: Logger) throws {
        self.connection = connection
        self.clock = clock
        self.rollupInterval = rollupInterval
        self.logger = logger
        self.samples = SampleWriter(connection: connection)
        insertEvent = try connection.prepare(
            """
            INSERT INTO events (ts, key_id, source_id, request_id, error_type, latency, ttft, prompt_tokens,
              completion_tokens, cached_tokens, reasoning_tokens, cost, finish_reason, streamed, prediction, label,
              feedback, features, attributes, cache_write_tokens) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
            """)
        insertText = try connection.prepare(
            "INSERT INTO event_texts (event_id, prompt, response, context) VALUES (?, ?, ?, ?)")
        insertRequestID = try connection.prepare("INSERT OR IGNORE INTO request_ids (request_id, ts) VALUES (?, ?)")
        let keys = try connection.prepare("SELECT id, model, model_version, route, tenant, status FROM event_keys")
        while try keys.step() {
            let key = EventKey(
                model: keys.string(1), modelVersion: keys.string(2), route: keys.string(3), tenant: keys.string(4),
                status: EventStatus(rawValue: keys.string(5)) ?? .error)
            keyIDs[key] = keys.int64(0)
        }
        let sources = try connection.prepare("SELECT id, name FROM sources")
        while try sources.step() { sourceIDs[sources.string(1)] = sources.int64(0) }
    }

    /// Writes one batch in one transaction. On failure the in-memory caches that
    /// may now be ahead of the database are dropped and reloaded on next use.
    /// Events skipped as already stored, since the writer started.
    private(set) var duplicates = 0

    func write(_ batch: IngestBatch, source: String?) throws {
        do {
            try connection.transaction {
                let sourceID = try source.map { try self.sourceID($0) }
                for event in batch.events {
                    if batch.deduplicateByRequestID, let requestID = event.requestID,
                        try !claim(requestID, at: event.timestamp)
                    {
                        duplicates += 1
                        continue
                    }
                    try insert(event, sourceID: sourceID)
                }
                try flushRollups()
                if !batch.samples.isEmpty {
                    _ = try samples.append(batch.samples)
                    try samples.flush()
                }
                for letter in batch.deadLetters { try insert(letter) }
                for checkpoint in batch.checkpoints { try upsert(checkpoint) }
                for finished in batch.finishedInputs {
                    let statement = try connection.cached("DELETE FROM checkpoints WHERE source = ? AND input_key = ?")
                    statement.bind(1, finished.source)
                    statement.bind(2, finished.inputKey)
                    try statement.run()
                }
            }
        } catch {
            rollups.removeAll()
            keyIDs.removeAll()
            sourceIDs.removeAll()
            samples.discardCaches()
            throw error
        }
    }

    func appendSamples(_ entries: [(labels: Labels, sample: Sample)]) throws -> Int {
        do {
            return try connection.transaction {
                let rejected = try samples.append(entries)
                try samples.flush()
                return rejected
            }
        } catch {
            samples.discardCaches()
            throw error
        }
    }

    // MARK: Events

    private func sourceID(_ name: String) throws -> Int64 {
        if let id = sourceIDs[name] { return id }
        let insert = try connection.cached("INSERT INTO sources (name) VALUES (?) ON CONFLICT(name) DO NOTHING")
        insert.bind(1, name)
        try insert.run()
        let select = try connection.cached("SELECT id FROM sources WHERE name = ?")
        select.bind(1, name)
        guard try select.step() else { throw InfermonError.storage("source \(name) vanished") }
        let id = select.int64(0)
        sourceIDs[name] = id
        return id
    }

    private func keyID(_ key: EventKey, bucket: Timestamp) throws -> Int64 {
        if let id = keyIDs[key] { return id }
        let insert = try connection.cached(
            "INSERT INTO event_keys (model, model_version, route, tenant, status, first_bucket) VALUES (?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT DO NOTHING")
        insert.bind(1, key.model)
        insert.bind(2, key.modelVersion)
        insert.bind(3, key.route)
        insert.bind(4, key.tenant)
        insert.bind(5, key.status.rawValue)
        insert.bind(6, bucket)
        try insert.run()
        let select = try connection.cached(
            "SELECT id FROM event_keys WHERE model = ? AND model_version = ? AND route = ? AND tenant = ? AND status = ?"
        )
        select.bind(1, key.model)
        select.bind(2, key.modelVersion)
        select.bind(3, key.route)
        select.bind(4, key.tenant)
        select.bind(5, key.status.rawValue)
        guard try select.step() else { throw InfermonError.storage("event key vanished") }
        let id = select.int64(0)
        keyIDs[key] = id
        return id
    }

    private func insert(_ event: InferenceEvent, sourceID: Int64?) throws {
        let bucket = floorDiv(event.timestamp, rollupInterval) * rollupInterval
        let keyID = try keyID(event.key, bucket: bucket)
        let statement = insertEvent
        statement.reset()
        statement.bind(1, event.timestamp)
        statement.bind(2, keyID)
        statement.bind(3, sourceID)
        statement.bind(4, event.requestID)
        statement.bind(5, event.errorType)
        statement.bind(6, event.latency)
        statement.bind(7, event.timeToFirstToken)
        statement.bind(8, event.promptTokens)
        statement.bind(9, event.completionTokens)
        statement.bind(10, event.cachedTokens)
        statement.bind(11, event.reasoningTokens)
        statement.bind(12, event.cost)
        statement.bind(13, event.finishReason)
        statement.bind(14, event.streamed)
        bind(event.prediction, to: statement, at: 15)
        bind(event.label, to: statement, at: 16)
        statement.bind(17, event.feedback)
        statement.bind(18, event.features.isEmpty ? nil : featuresJSON(event.features))
        statement.bind(19, event.attributes)
        statement.bind(20, event.cacheWriteTokens)
        try statement.run()
        if event.prompt != nil || event.response != nil || event.context != nil {
            let text = insertText
            text.reset()
            text.bind(1, connection.lastInsertRowID)
            text.bind(2, event.prompt)
            text.bind(3, event.response)
            text.bind(4, event.context)
            try text.run()
        }
        try accumulate(event, keyID: keyID, bucket: bucket)
    }

    /// Records a request id; false when it was already there.
    private func claim(_ requestID: String, at timestamp: Timestamp) throws -> Bool {
        let statement = insertRequestID
        statement.reset()
        statement.bind(1, requestID)
        statement.bind(2, timestamp)
        try statement.run()
        return connection.changes > 0
    }

    private func bind(_ value: FeatureValue?, to statement: Statement, at index: Int32) {
        switch value {
        case .number(let number): statement.bind(index, number)
        case .category(let text): statement.bind(index, text)
        case nil: statement.bind(index, nil as String?)
        }
    }

    // MARK: Rollups

    /// Adds an event to its key's open interval. An event for an interval that
    /// is already closed counts in the open one, as a scraped counter would count
    /// it when seen; its raw row keeps the true time.
    private func accumulate(_ event: InferenceEvent, keyID: Int64, bucket: Timestamp) throws {
        var state: RollupState
        if let open = rollups[keyID] {
            state = open
        } else {
            state =
                try loadLatestRollup(keyID: keyID)
                ?? RollupState(
                    bucket: bucket, lastTimestamp: event.timestamp, totals: CumulativeTotals(),
                    sketches: IntervalSketches(), dirty: true)
            rollups[keyID] = state
        }
        if bucket > state.bucket {
            if state.dirty { try writeRollup(state, keyID: keyID) }
            state = RollupState(
                bucket: bucket, lastTimestamp: event.timestamp, totals: state.totals, sketches: IntervalSketches(),
                dirty: true)
            rollups[keyID] = state
        }
        state.add(event)
    }

    /// Writes every interval that changed in this batch; open ones are rewritten
    /// on later batches until their interval passes.
    private func flushRollups() throws {
        for (keyID, state) in rollups where state.dirty {
            try writeRollup(state, keyID: keyID)
            state.dirty = false
        }
        // Keep memory bounded: intervals well in the past will not be reopened by live data.
        if rollups.count > 4096 {
            let newest = rollups.values.map(\.bucket).max() ?? 0
            rollups = rollups.filter { $0.value.bucket >= newest - 2 * rollupInterval }
        }
    }

    /// Counters and sketches go to separate tables: counter queries over long
    /// ranges then read narrow rows, and only quantile queries touch the sketches.
    private func writeRollup(_ state: RollupState, keyID: Int64) throws {
        let statement = try connection.cached(
            """
            INSERT OR REPLACE INTO rollups (key_id, bucket, last_ts, requests, latency_count, latency_sum,
              latency_buckets, ttft_count, ttft_sum, ttft_buckets, input_tokens, output_tokens, cached_tokens,
              reasoning_tokens, cost, costed_requests) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
            """)
        let totals = state.totals
        statement.bind(1, keyID)
        statement.bind(2, state.bucket)
        statement.bind(3, state.lastTimestamp)
        statement.bind(4, totals.requests)
        statement.bind(5, totals.latencyCount)
        statement.bind(6, totals.latencySum)
        statement.bind(7, blob: encodeBins(totals.latencyBins))
        statement.bind(8, totals.ttftCount)
        statement.bind(9, totals.ttftSum)
        statement.bind(10, blob: encodeBins(totals.ttftBins))
        statement.bind(11, totals.inputTokens)
        statement.bind(12, totals.outputTokens)
        statement.bind(13, totals.cachedTokens)
        statement.bind(14, totals.reasoningTokens)
        statement.bind(15, totals.cost)
        statement.bind(16, totals.costedRequests)
        try statement.run()
        let sketches = [
            state.sketches.latency, state.sketches.ttft, state.sketches.tpot, state.sketches.inputTokens,
            state.sketches.outputTokens,
        ]
        guard sketches.contains(where: { !$0.isEmpty }) else { return }
        let sketchRow = try connection.cached(
            """
            INSERT OR REPLACE INTO rollup_sketches (key_id, bucket, latency_sketch, ttft_sketch, tpot_sketch,
              input_tokens_sketch, output_tokens_sketch) VALUES (?,?,?,?,?,?,?)
            """)
        sketchRow.bind(1, keyID)
        sketchRow.bind(2, state.bucket)
        for (offset, sketch) in sketches.enumerated() {
            sketchRow.bind(Int32(3 + offset), blob: sketch.isEmpty ? nil : sketch.serialized())
        }
        try sketchRow.run()
    }

    private func loadLatestRollup(keyID: Int64) throws -> RollupState? {
        let statement = try connection.cached(
            "SELECT \(RollupRow.columns) FROM rollups WHERE key_id = ? ORDER BY bucket DESC LIMIT 1")
        statement.bind(1, keyID)
        guard try statement.step() else { return nil }
        let row = try RollupRow(statement, firstColumn: 0)
        let sketchRow = try connection.cached(
            "SELECT \(RollupRow.sketchColumns) FROM rollup_sketches WHERE key_id = ? AND bucket = ?")
        sketchRow.bind(1, keyID)
        sketchRow.bind(2, row.bucket)
        let sketches = try sketchRow.step() ? try RollupRow.sketches(sketchRow, firstColumn: 0) : IntervalSketches()
        return RollupState(
            bucket: row.bucket, lastTimestamp: row.lastTimestamp, totals: row.totals, sketches: sketches, dirty: false)
    }

    // MARK: Dead letters and checkpoints

    private func insert(_ letter: DeadLetter) throws {
        let statement = try connection.cached(
            "INSERT INTO dead_letters (received_at, source, location, line, kind, reason, excerpt) VALUES (?,?,?,?,?,?,?)"
        )
        statement.bind(1, letter.receivedAt)
        statement.bind(2, letter.source)
        statement.bind(3, letter.location)
        statement.bind(4, letter.line)
        statement.bind(5, letter.kind.rawValue)
        statement.bind(6, letter.reason)
        statement.bind(7, blob: letter.excerpt)
        try statement.run()
    }

    private func upsert(_ checkpoint: SourceCheckpoint) throws {
        let statement = try connection.cached(
            """
            INSERT OR REPLACE INTO checkpoints (source, input_key, path, byte_offset, line, fingerprint,
              fingerprint_length, updated_at) VALUES (?,?,?,?,?,?,?,?)
            """)
        statement.bind(1, checkpoint.source)
        statement.bind(2, checkpoint.inputKey)
        statement.bind(3, checkpoint.path)
        statement.bind(4, checkpoint.offset)
        statement.bind(5, checkpoint.lineNumber)
        statement.bind(6, Int64(bitPattern: checkpoint.fingerprint))
        statement.bind(7, checkpoint.fingerprintLength)
        statement.bind(8, clock.now())
        try statement.run()
    }
}

/// Floor division that rounds toward negative infinity, for bucket boundaries.
@inline(__always)
func floorDiv(_ value: Int64, _ divisor: Int64) -> Int64 {
    let quotient = value / divisor
    return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
}

/// `{"name":1.5,"tier":"gold"}`, keys sorted so identical maps store identically.
func featuresJSON(_ features: [String: FeatureValue]) -> String {
    var out = "{"
    for (index, name) in features.keys.sorted().enumerated() {
        if index > 0 { out += "," }
        writeJSONString(name, to: &out)
        out += ":"
        switch features[name]! {
        case .number(let number): out += formatJSONNumber(number)
        case .category(let text): writeJSONString(text, to: &out)
        }
    }
    return out + "}"
}
