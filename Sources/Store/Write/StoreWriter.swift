import CSQLite
import InfermonCore
import Logging

/// Everything that writes: events, their rollups, dead letters, checkpoints and
/// named samples. It lives on one connection and is only ever used from the
/// store's serial write queue, so it needs no locks of its own.
final class StoreWriter: @unchecked Sendable {
    let connection: SQLiteConnection
    private let logger: Logger
    private let clock: any WallClock
    private var keys: [EventKey: KeySlot] = [:]
    private let recentKeys = RecentKeys()
    /// Keys with events staged for the rollups in the batch being written.
    private var stagedKeys: [KeySlot] = []
    private var sourceIDs: [String: Int64] = [:]
    let rollups: RollupAccumulator
    let samples: SampleWriter
    private let rows: EventRowWriter
    /// The rows of the batch being written, reused from batch to batch.
    private var pendingRows: [EventRow] = []
    /// Held directly: looking it up in the connection's cache hashes and compares its SQL on every event.
    private let insertRequestID: Statement

    /// How long raw events are kept: an event older than this on arrival is
    /// stored, counted in its rollups, and gone at the next retention pass.
    private let eventRetention: Int64
    /// Sources already told about events that arrived past the retention, so the log says it once.
    private var warnedExpiredSources: Set<String> = []

    init(
        connection: SQLiteConnection, rollupInterval: Int64, eventRetention: Int64, clock: any WallClock,
        logger: Logger
    ) throws {
        self.connection = connection
        self.eventRetention = eventRetention
        self.clock = clock
        self.logger = logger
        self.samples = SampleWriter(connection: connection)
        self.rollups = try RollupAccumulator(connection: connection, interval: rollupInterval)
        rows = try EventRowWriter(connection: connection)
        insertRequestID = try connection.prepare("INSERT OR IGNORE INTO request_ids (request_id, ts) VALUES (?, ?)")
        let keys = try connection.prepare("SELECT id, model, model_version, route, tenant, status FROM event_keys")
        while try keys.step() {
            let key = EventKey(
                model: keys.string(1), modelVersion: keys.string(2), route: keys.string(3), tenant: keys.string(4),
                status: EventStatus(rawValue: keys.string(5)) ?? .error)
            self.keys[key] = KeySlot(id: keys.int64(0))
        }
        recentKeys.reserve(keys: self.keys.count)
        let sources = try connection.prepare("SELECT id, name FROM sources")
        while try sources.step() { sourceIDs[sources.string(1)] = sources.int64(0) }
    }

    /// Events skipped as already stored, since the writer started.
    private(set) var duplicates = 0

    /// Writes one batch in one transaction. On failure the in-memory caches that
    /// may now be ahead of the database are dropped and reloaded on next use.
    func write(_ batch: IngestBatch, source: String?) throws {
        let source = batch.source ?? source
        let expiryCutoff = clock.now() - eventRetention
        var expiredOnArrival = 0
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
                        if events[position].timestamp < expiryCutoff { expiredOnArrival += 1 }
                        let slot = try keySlot(of: events.baseAddress! + position)
                        if slot.staged.isEmpty { stagedKeys.append(slot) }
                        slot.staged.append(RollupFields(events, position))
                        // Rows go in a statement at a time while their events are still in cache.
                        pendingRows.append(EventRow(position: position, keyID: slot.id))
                        if pendingRows.count == EventRowWriter.rowsPerStatement {
                            try rows.insert(events, rows: pendingRows, sourceID: sourceID)
                            pendingRows.removeAll(keepingCapacity: true)
                        }
                    }
                    try rows.insert(events, rows: pendingRows, sourceID: sourceID)
                    pendingRows.removeAll(keepingCapacity: true)
                    for slot in stagedKeys {
                        try rollups.add(slot.staged, keyID: slot.id)
                        // Room for a usual share is kept; a burst's is not (every label set keeps its slot).
                        slot.staged.removeAll(keepingCapacity: slot.staged.count <= 64)
                    }
                    stagedKeys.removeAll(keepingCapacity: true)
                }
                try rollups.flush()
                if !batch.samples.isEmpty {
                    _ = try samples.append(batch.samples)
                    try samples.flush()
                }
                if expiredOnArrival > 0 {
                    try countExpiredOnArrival(expiredOnArrival, source: source ?? "", cutoff: expiryCutoff)
                }
                if !batch.labels.isEmpty { try SQLiteStore.insertLabels(batch.labels, connection: connection) }
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
            pendingRows.removeAll()
            rows.discard()
            for slot in stagedKeys { slot.staged.removeAll() }
            stagedKeys.removeAll()
            rollups.discard()
            keys.removeAll()
            recentKeys.removeAll()
            sourceIDs.removeAll()
            samples.discardCaches()
            throw error
        }
        if expiredOnArrival > 0 { warnExpiredOnArrival(expiredOnArrival, source: source ?? "", cutoff: expiryCutoff) }
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

    private func keySlot(of event: UnsafePointer<InferenceEvent>) throws -> KeySlot {
        if let slot = recentKeys.slot(for: event) { return slot }
        let key = event.pointee.key
        let slot = try keySlot(key, bucket: rollups.bucket(of: event.pointee.timestamp))
        recentKeys.remember(slot, for: key, of: event)
        return slot
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
        recentKeys.reserve(keys: keys.count)
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

    // MARK: Events past the retention

    private func countExpiredOnArrival(_ count: Int, source: String, cutoff: Timestamp) throws {
        let statement = try connection.cached(
            """
            INSERT INTO expired_on_arrival (source, events, last_cutoff, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (source) DO UPDATE SET events = events + excluded.events, last_cutoff = excluded.last_cutoff,
              updated_at = excluded.updated_at
            """)
        statement.bind(1, source)
        statement.bind(2, count)
        statement.bind(3, cutoff)
        statement.bind(4, clock.now())
        try statement.run()
    }

    private func warnExpiredOnArrival(_ count: Int, source: String, cutoff: Timestamp) {
        guard warnedExpiredSources.insert(source).inserted else { return }
        logger.warning(
            "events older than the event retention arrived: their rollups keep them, their raw rows go at the next retention pass",
            metadata: [
                "source": "\(source.isEmpty ? "(unnamed)" : source)", "events": "\(count)",
                "cutoff": "\(TimeParsing.formatRFC3339(cutoff))",
                "event_retention": "\(TimeParsing.formatDuration(eventRetention))",
            ])
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
