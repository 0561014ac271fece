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
    private var keys: [EventKey: KeySlot] = [:]
    /// Keys with events staged for the rollups in the batch being written.
    private var stagedKeys: [KeySlot] = []
    private var sourceIDs: [String: Int64] = [:]
    private let rollups: RollupAccumulator
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
        self.rollups = RollupAccumulator(connection: connection, interval: rollupInterval)
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
            self.keys[key] = KeySlot(id: keys.int64(0))
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
                try batch.events.withUnsafeBufferPointer { events in
                    for position in events.indices {
                        if batch.deduplicateByRequestID, let requestID = events[position].requestID,
                            try !claim(requestID, at: events[position].timestamp)
                        {
                            duplicates += 1
                            continue
                        }
                        let slot = try insert(events.baseAddress! + position, sourceID: sourceID)
                        if slot.staged.isEmpty { stagedKeys.append(slot) }
                        slot.staged.append(RollupFields(events, position))
                    }
                    for slot in stagedKeys {
                        try rollups.add(slot.staged, keyID: slot.id)
                        slot.staged.removeAll(keepingCapacity: true)
                    }
                    stagedKeys.removeAll(keepingCapacity: true)
                }
                try rollups.flush()
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
            for slot in stagedKeys { slot.staged.removeAll() }
            stagedKeys.removeAll()
            rollups.discard()
            keys.removeAll()
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

    private func keySlot(_ key: EventKey, bucket: Timestamp) throws -> KeySlot {
        if let slot = keys[key] { return slot }
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
        let slot = KeySlot(id: select.int64(0))
        keys[key] = slot
        return slot
    }

    /// Inserts the event's row; returns its key, whose rollup it is staged for.
    private func insert(_ event: UnsafePointer<InferenceEvent>, sourceID: Int64?) throws -> KeySlot {
        // Through a pointer the fields are read in place; a value parameter would
        // copy the event and retain every string in it.
        let slot = try keySlot(event.pointee.key, bucket: rollups.bucket(of: event.pointee.timestamp))
        // Every parameter is bound anew, and `run()` resets the statement after its step.
        let statement = insertEvent
        statement.bind(1, event.pointee.timestamp)
        statement.bind(2, slot.id)
        statement.bind(3, sourceID)
        statement.bind(4, event.pointee.requestID)
        statement.bind(5, event.pointee.errorType)
        statement.bind(6, event.pointee.latency)
        statement.bind(7, event.pointee.timeToFirstToken)
        statement.bind(8, event.pointee.promptTokens)
        statement.bind(9, event.pointee.completionTokens)
        statement.bind(10, event.pointee.cachedTokens)
        statement.bind(11, event.pointee.reasoningTokens)
        statement.bind(12, event.pointee.cost)
        statement.bind(13, event.pointee.finishReason)
        statement.bind(14, event.pointee.streamed)
        bind(event.pointee.prediction, to: statement, at: 15)
        bind(event.pointee.label, to: statement, at: 16)
        statement.bind(17, event.pointee.feedback)
        statement.bind(18, event.pointee.features.isEmpty ? nil : featuresJSON(event.pointee.features))
        statement.bind(19, event.pointee.attributes)
        statement.bind(20, event.pointee.cacheWriteTokens)
        try statement.run()
        if event.pointee.prompt != nil || event.pointee.response != nil || event.pointee.context != nil {
            let text = insertText
            text.bind(1, connection.lastInsertRowID)
            text.bind(2, event.pointee.prompt)
            text.bind(3, event.pointee.response)
            text.bind(4, event.pointee.context)
            try text.run()
        }
        return slot
    }

    /// Records a request id; false when it was already there.
    private func claim(_ requestID: String, at timestamp: Timestamp) throws -> Bool {
        let statement = insertRequestID
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

/// An event key's row id, and what its rollup needs of its events in the batch
/// being written, taken while each event is still in cache; they go to the
/// rollups together once every row is in.
final class KeySlot {
    let id: Int64
    var staged: [RollupFields] = []
    init(id: Int64) { self.id = id }
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
