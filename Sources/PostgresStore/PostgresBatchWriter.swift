import InfermonCore
import Logging
import NIOCore
import PostgresNIO
import Store

/// Writes one batch in one transaction on the writer connection.
struct PostgresBatchWriter {
    let connection: PostgresConnection
    let state: WriterState
    let rollupInterval: Int64
    let host: String
    let logger: Logger

    static let day: Int64 = 86_400_000
    static let copyColumns = [
        "ts", "key_id", "source_id", "request_id", "error_type", "latency", "ttft", "prompt_tokens",
        "completion_tokens", "cached_tokens", "reasoning_tokens", "cache_write_tokens", "cost", "finish_reason",
        "streamed", "prediction_number", "prediction_text", "label_number", "label_text", "feedback", "features",
        "attributes", "prompt", "response", "context",
    ]

    func write(_ batch: IngestBatch, expiryCutoff: Timestamp, now: Timestamp) async throws {
        try await ensurePartitions(for: batch.events)
        try await transaction { try await writeInTransaction(batch, expiryCutoff: expiryCutoff, now: now) }
    }

    private func writeInTransaction(_ batch: IngestBatch, expiryCutoff: Timestamp, now: Timestamp) async throws {
        do {
            // A file batch retried after a commit whose acknowledgement was lost: its
            // checkpoints are already stored, so is everything else it holds.
            if try await alreadyCommitted(batch.checkpoints) {
                logger.info(
                    "skipped a file batch already stored", metadata: ["events": "\(batch.events.count)"])
                return
            }
            var events = batch.events
            if batch.deduplicateByRequestID { events = try await unclaimed(events) }
            var sourceID: Int64?
            if let source = batch.source { sourceID = try await self.sourceID(source) }
            let keyIDs = try await resolveKeys(events)
            if !events.isEmpty {
                // The transaction id first, then the event ids: the quality sampler's scan fence relies on it.
                try await connection.query("SELECT txid_current()", logger: logger)
                try await copy(events, keyIDs: keyIDs, sourceID: sourceID)
            }
            try await writeRollups(events, keyIDs: keyIDs)
            if !batch.samples.isEmpty { try await insertSamples(batch.samples) }
            try await PostgresStore.insertLabels(batch.labels, connection: connection, logger: logger)
            let expired = events.count(where: { $0.timestamp < expiryCutoff })
            if expired > 0 {
                try await connection.query(
                    """
                    INSERT INTO expired_on_arrival (source, events, last_cutoff, updated_at)
                    VALUES (\(batch.source ?? ""), \(Int64(expired)), \(expiryCutoff), \(now))
                    ON CONFLICT (source) DO UPDATE SET events = expired_on_arrival.events + excluded.events,
                      last_cutoff = excluded.last_cutoff, updated_at = excluded.updated_at
                    """, logger: logger)
            }
            for letter in batch.deadLetters {
                try await connection.query(
                    """
                    INSERT INTO dead_letters (received_at, source, location, line, kind, reason, excerpt, host)
                    VALUES (\(letter.receivedAt), \(letter.source), \(letter.location), \(letter.line),
                      \(letter.kind.rawValue), \(letter.reason), \(ByteBuffer(bytes: letter.excerpt)), \(host))
                    """, logger: logger)
            }
            for checkpoint in batch.checkpoints {
                try await connection.query(
                    """
                    INSERT INTO checkpoints (host, source, input_key, path, byte_offset, line, fingerprint,
                      fingerprint_length, updated_at)
                    VALUES (\(host), \(checkpoint.source), \(checkpoint.inputKey), \(checkpoint.path),
                      \(checkpoint.offset), \(checkpoint.lineNumber), \(Int64(bitPattern: checkpoint.fingerprint)),
                      \(Int64(checkpoint.fingerprintLength)), \(now))
                    ON CONFLICT (host, source, input_key) DO UPDATE SET path = excluded.path,
                      byte_offset = excluded.byte_offset, line = excluded.line, fingerprint = excluded.fingerprint,
                      fingerprint_length = excluded.fingerprint_length, updated_at = excluded.updated_at
                    """, logger: logger)
            }
            for finished in batch.finishedInputs {
                try await connection.query(
                    """
                    DELETE FROM checkpoints WHERE host = \(host) AND source = \(finished.source)
                      AND input_key = \(finished.inputKey)
                    """, logger: logger)
            }
        }
    }

    /// True when every checkpoint of the batch is stored for this host at its
    /// offset or beyond, for the same file. The rows are locked until the
    /// transaction ends, so a concurrent retry waits and then sees them.
    private func alreadyCommitted(_ checkpoints: [SourceCheckpoint]) async throws -> Bool {
        guard !checkpoints.isEmpty else { return false }
        for checkpoint in checkpoints {
            var stored: (offset: Int64, fingerprint: Int64, length: Int64)?
            for try await (offset, fingerprint, length) in try await connection.query(
                """
                SELECT byte_offset, fingerprint, fingerprint_length FROM checkpoints WHERE host = \(host)
                  AND source = \(checkpoint.source) AND input_key = \(checkpoint.inputKey) FOR UPDATE
                """, logger: logger
            ).decode((Int64, Int64, Int64).self) {
                stored = (offset, fingerprint, length)
            }
            // The same file (same fingerprint over the same length) read at least this far.
            guard let stored, stored.fingerprint == Int64(bitPattern: checkpoint.fingerprint),
                stored.length == Int64(checkpoint.fingerprintLength), stored.offset >= checkpoint.offset
            else { return false }
        }
        return true
    }

    func appendSamples(_ samples: [(labels: Labels, sample: Sample)]) async throws {
        try await transaction { try await insertSamples(samples) }
    }

    /// BEGIN … COMMIT; on failure ROLLBACK and forget what may be ahead of the database.
    private func transaction(_ body: () async throws -> Void) async throws {
        try await connection.query("BEGIN", logger: logger)
        do {
            try await body()
            try await connection.query("COMMIT", logger: logger)
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            state.forgetCaches()
            throw error
        }
    }

    @inline(__always)
    func bucket(of timestamp: Timestamp) -> Timestamp { floorDivide(timestamp, rollupInterval) * rollupInterval }

    // MARK: Partitions

    /// Creates the day partitions the events need through the schema's
    /// `infermon_create_event_partition`, which runs with its owner's rights (so
    /// a writer that may not change the schema can) and takes an advisory lock
    /// (writers racing to create the same day would otherwise fail).
    private func ensurePartitions(for events: [InferenceEvent]) async throws {
        var days: Set<Timestamp> = []
        for event in events { days.insert(floorDivide(event.timestamp, Self.day) * Self.day) }
        for day in days.sorted() where !state.partitions.contains(day) {
            try await Self.createPartition(day, on: connection, logger: logger)
            state.partitions.insert(day)
        }
    }

    /// One day's partition, unless it exists; in a transaction of its own (the statement's).
    static func createPartition(_ day: Timestamp, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "SELECT infermon_create_event_partition(\(day), \(partitionName(day)))", logger: logger)
    }

    /// `events_p20261207` for the UTC day starting at `day`; days before 1970 get `events_m…`.
    static func partitionName(_ day: Timestamp) -> String {
        let days = floorDivide(day, Self.day)
        let (year, month, dayOfMonth) = civilDate(daysSinceEpoch: days)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "events_\(year < 0 ? "m" : "p")\(abs(year))\(two(month))\(two(dayOfMonth))"
    }

    /// Howard Hinnant's days-to-civil.
    static func civilDate(daysSinceEpoch: Int64) -> (Int64, Int64, Int64) {
        let z = daysSinceEpoch + 719_468
        let era = floorDivide(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    // MARK: Keys, sources, request ids

    private func sourceID(_ name: String) async throws -> Int64 {
        if let id = state.sources[name] { return id }
        try await connection.query(
            "INSERT INTO sources (name) VALUES (\(name)) ON CONFLICT (name) DO NOTHING", logger: logger)
        var id: Int64?
        for try await value in try await connection.query(
            "SELECT id FROM sources WHERE name = \(name)", logger: logger
        ).decode(Int64.self) { id = value }
        guard let id else { throw InfermonError.storage("source \(name) vanished") }
        state.sources[name] = id
        return id
    }

    /// The key id of every event. Rows of `event_keys` are created and their
    /// first interval lowered in a fixed order (by labels, then by id), so two
    /// writers meeting the same new keys wait for each other instead of deadlocking.
    private func resolveKeys(_ events: [InferenceEvent]) async throws -> [Int64] {
        var earliest: [EventKey: Timestamp] = [:]
        for event in events {
            let bucket = bucket(of: event.timestamp)
            earliest[event.key] = min(earliest[event.key] ?? bucket, bucket)
        }
        func order(_ a: EventKey, _ b: EventKey) -> Bool {
            (a.model, a.modelVersion, a.route, a.tenant, a.status.rawValue)
                < (b.model, b.modelVersion, b.route, b.tenant, b.status.rawValue)
        }
        for key in earliest.keys.filter({ state.keys[$0] == nil }).sorted(by: order) {
            try await createKey(key, bucket: earliest[key]!)
        }
        var lowered: [(id: Int64, bucket: Timestamp)] = []
        for (key, bucket) in earliest {
            let known = state.keys[key]!
            if bucket < known.firstBucket {
                lowered.append((known.id, bucket))
                state.keys[key] = (known.id, bucket)
            }
        }
        for (id, bucket) in lowered.sorted(by: { $0.id < $1.id }) {
            try await connection.query(
                "UPDATE event_keys SET first_bucket = LEAST(first_bucket, \(bucket)) WHERE id = \(id)", logger: logger)
        }
        return events.map { state.keys[$0.key]!.id }
    }

    private func createKey(_ key: EventKey, bucket: Timestamp) async throws {
        let status = key.status.rawValue
        try await connection.query(
            """
            INSERT INTO event_keys (model, model_version, route, tenant, status, first_bucket)
            VALUES (\(key.model), \(key.modelVersion), \(key.route), \(key.tenant), \(status), \(bucket))
            ON CONFLICT (model, model_version, route, tenant, status) DO NOTHING
            """, logger: logger)
        var found: (Int64, Int64)?
        for try await row in try await connection.query(
            """
            SELECT id, first_bucket FROM event_keys WHERE model = \(key.model) AND model_version = \(key.modelVersion)
              AND route = \(key.route) AND tenant = \(key.tenant) AND status = \(status)
            """, logger: logger
        ).decode((Int64, Int64).self) { found = row }
        guard let found else { throw InfermonError.storage("event key vanished") }
        state.keys[key] = (found.0, found.1)
    }

    /// The events whose request ids were not stored before (the first of each
    /// id in the batch), recording their ids.
    private func unclaimed(_ events: [InferenceEvent]) async throws -> [InferenceEvent] {
        var ids: [String] = []
        var times: [Int64] = []
        for event in events {
            if let id = event.requestID {
                ids.append(id)
                times.append(event.timestamp)
            }
        }
        guard !ids.isEmpty else { return events }
        var claimed: Set<String> = []
        for try await id in try await connection.query(
            """
            INSERT INTO request_ids (request_id, ts) SELECT * FROM unnest(\(ids)::text[], \(times)::bigint[])
            ORDER BY 1 ON CONFLICT DO NOTHING RETURNING request_id
            """, logger: logger
        ).decode(String.self) { claimed.insert(id) }
        return events.filter { event in
            guard let id = event.requestID else { return true }
            return claimed.remove(id) != nil
        }
    }

    // MARK: Events

    /// The events, by one `INSERT` of a column array each (see `PostgresEventRows` for why not `COPY`).
    private func copy(_ events: [InferenceEvent], keyIDs: [Int64], sourceID: Int64?) async throws {
        guard !events.isEmpty else { return }
        let rows = PostgresEventRows(events, keyIDs: keyIDs, sourceID: sourceID)
        try await connection.query(
            PostgresQuery(unsafeSQL: PostgresEventRows.insert, binds: rows.bindings), logger: logger)
    }

    // MARK: Rollups

    /// Each (key, interval) of the batch counted on its own, then added to the stored row.
    private func writeRollups(_ events: [InferenceEvent], keyIDs: [Int64]) async throws {
        guard !events.isEmpty else { return }
        struct Slot: Hashable, Comparable {
            var key: Int64
            var bucket: Int64
            static func < (a: Slot, b: Slot) -> Bool { (a.key, a.bucket) < (b.key, b.bucket) }
        }
        var grouped: [Slot: [RollupFields]] = [:]
        events.withUnsafeBufferPointer { pointer in
            for index in pointer.indices {
                grouped[Slot(key: keyIDs[index], bucket: bucket(of: pointer[index].timestamp)), default: []].append(
                    RollupFields(pointer, index))
            }
        }
        let slots = grouped.keys.sorted()
        var states: [RollupState] = []
        for slot in slots {
            let fields = grouped[slot]!
            let state = RollupState(
                bucket: slot.bucket, lastTimestamp: fields[0].timestamp, totals: CumulativeTotals(),
                sketches: IntervalSketches(), dirty: true)
            state.add(fields[...])
            states.append(state)
        }
        let keys = slots.map(\.key)
        let buckets = slots.map(\.bucket)
        let lasts = states.map(\.lastTimestamp)
        func ints(_ path: KeyPath<CumulativeTotals, Int64>) -> [Int64] { states.map { $0.totals[keyPath: path] } }
        func reals(_ path: KeyPath<CumulativeTotals, Double>) -> [Double] { states.map { $0.totals[keyPath: path] } }
        func bins(_ path: KeyPath<CumulativeTotals, [UInt64]>) -> [String] {
            states.map { "{" + $0.totals[keyPath: path].map { String($0) }.joined(separator: ",") + "}" }
        }
        let requests = ints(\.requests)
        let latencyCount = ints(\.latencyCount)
        let latencySum = reals(\.latencySum)
        let latencyBins = bins(\.latencyBins)
        let ttftCount = ints(\.ttftCount)
        let ttftSum = reals(\.ttftSum)
        let ttftBins = bins(\.ttftBins)
        let inputTokens = ints(\.inputTokens)
        let outputTokens = ints(\.outputTokens)
        let cachedTokens = ints(\.cachedTokens)
        let reasoningTokens = ints(\.reasoningTokens)
        let cost = reals(\.cost)
        let costed = ints(\.costedRequests)
        try await connection.query(
            """
            INSERT INTO rollups (key_id, bucket, last_ts, requests, latency_count, latency_sum, latency_bins,
              ttft_count, ttft_sum, ttft_bins, input_tokens, output_tokens, cached_tokens, reasoning_tokens, cost,
              costed_requests)
            SELECT k, b, l, r, lc, ls, lb::bigint[], tc, ts, tb::bigint[], it, ot, ct, rt, c, cr FROM unnest(
              \(keys)::bigint[], \(buckets)::bigint[], \(lasts)::bigint[], \(requests)::bigint[],
              \(latencyCount)::bigint[], \(latencySum)::float8[], \(latencyBins)::text[], \(ttftCount)::bigint[],
              \(ttftSum)::float8[], \(ttftBins)::text[], \(inputTokens)::bigint[], \(outputTokens)::bigint[],
              \(cachedTokens)::bigint[], \(reasoningTokens)::bigint[], \(cost)::float8[], \(costed)::bigint[])
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
        try await mergeSketches(keys: keys, buckets: buckets, states: states)
    }

    /// Sketches cannot be added in SQL: every row the batch touches is made to
    /// exist, locked (in key order), merged here and written back.
    private func mergeSketches(keys: [Int64], buckets: [Int64], states: [RollupState]) async throws {
        try await connection.query(
            """
            INSERT INTO rollup_sketches (key_id, bucket)
            SELECT * FROM unnest(\(keys)::bigint[], \(buckets)::bigint[]) ORDER BY 1, 2 ON CONFLICT DO NOTHING
            """, logger: logger)
        var stored: [Int64: [Int64: IntervalSketches]] = [:]
        let rows = try await connection.query(
            """
            SELECT s.key_id, s.bucket, latency_sketch, ttft_sketch, tpot_sketch, input_tokens_sketch,
              output_tokens_sketch
            FROM rollup_sketches s JOIN unnest(\(keys)::bigint[], \(buckets)::bigint[]) AS u(k, b)
              ON s.key_id = u.k AND s.bucket = u.b
            ORDER BY s.key_id, s.bucket FOR UPDATE OF s
            """, logger: logger)
        for try await (key, bucket, latency, ttft, tpot, input, output) in rows.decode(
            (Int64, Int64, ByteBuffer?, ByteBuffer?, ByteBuffer?, ByteBuffer?, ByteBuffer?).self)
        {
            func sketch(_ buffer: ByteBuffer?) throws -> QuantileSketch {
                guard let buffer else { return QuantileSketch() }
                return try QuantileSketch(serialized: buffer.readableBytesView)
            }
            stored[key, default: [:]][bucket] = IntervalSketches(
                latency: try sketch(latency), ttft: try sketch(ttft), tpot: try sketch(tpot),
                inputTokens: try sketch(input), outputTokens: try sketch(output))
        }
        // Written back in one statement (a round trip per row made this the
        // slowest part of a batch: a day at 15 s intervals is ~24,000 rows per
        // 50,000 events). An empty bytea stands for NULL, as arrays of optionals
        // cannot be sent.
        var updatedKeys: [Int64] = []
        var updatedBuckets: [Int64] = []
        var columns: [[ByteBuffer]] = Array(repeating: [], count: 5)
        for (index, state) in states.enumerated() {
            var merged = stored[keys[index]]?[buckets[index]] ?? IntervalSketches()
            let own = state.sketches
            if own.latency.isEmpty && own.ttft.isEmpty && own.tpot.isEmpty && own.inputTokens.isEmpty
                && own.outputTokens.isEmpty
            {
                continue
            }
            merged.latency.merge(own.latency)
            merged.ttft.merge(own.ttft)
            merged.tpot.merge(own.tpot)
            merged.inputTokens.merge(own.inputTokens)
            merged.outputTokens.merge(own.outputTokens)
            updatedKeys.append(keys[index])
            updatedBuckets.append(buckets[index])
            for (column, sketch) in [merged.latency, merged.ttft, merged.tpot, merged.inputTokens, merged.outputTokens]
                .enumerated()
            {
                columns[column].append(sketch.isEmpty ? ByteBuffer() : ByteBuffer(bytes: sketch.serialized()))
            }
        }
        guard !updatedKeys.isEmpty else { return }
        try await connection.query(
            """
            UPDATE rollup_sketches s SET latency_sketch = NULLIF(u.l, ''::bytea), ttft_sketch = NULLIF(u.t, ''::bytea),
              tpot_sketch = NULLIF(u.p, ''::bytea), input_tokens_sketch = NULLIF(u.i, ''::bytea),
              output_tokens_sketch = NULLIF(u.o, ''::bytea)
            FROM unnest(\(updatedKeys)::bigint[], \(updatedBuckets)::bigint[], \(columns[0])::bytea[],
              \(columns[1])::bytea[], \(columns[2])::bytea[], \(columns[3])::bytea[], \(columns[4])::bytea[])
              AS u(k, b, l, t, p, i, o)
            WHERE s.key_id = u.k AND s.bucket = u.b
            """, logger: logger)
    }

    // MARK: Named series

    private func insertSamples(_ samples: [(labels: Labels, sample: Sample)]) async throws {
        var ids: [Int64] = []
        var times: [Int64] = []
        var values: [Double] = []
        for (labels, sample) in samples {
            ids.append(try await seriesID(labels))
            times.append(sample.timestamp)
            values.append(sample.value)
        }
        try await connection.query(
            """
            INSERT INTO samples (series_id, ts, value)
            SELECT * FROM unnest(\(ids)::bigint[], \(times)::bigint[], \(values)::float8[])
            ON CONFLICT (series_id, ts) DO NOTHING
            """, logger: logger)
    }

    private func seriesID(_ labels: Labels) async throws -> Int64 {
        if let id = state.series[labels] { return id }
        let text = labelsText(labels)
        let names = labels.pairs.map(\.name)
        let values = labels.pairs.map(\.value)
        let name = labels[Labels.metricName] ?? ""
        try await connection.query(
            """
            INSERT INTO series (name, labels, label_names, label_values)
            VALUES (\(name), \(text), \(names)::text[], \(values)::text[]) ON CONFLICT (labels) DO NOTHING
            """, logger: logger)
        var id: Int64?
        for try await value in try await connection.query(
            "SELECT id FROM series WHERE labels = \(text)", logger: logger
        ).decode(Int64.self) { id = value }
        guard let id else { throw InfermonError.storage("series vanished") }
        state.series[labels] = id
        return id
    }
}

/// `{__name__="x", a="1"}`: the unique text of a label set.
func labelsText(_ labels: Labels) -> String {
    "{" + labels.pairs.map { "\($0.name)=\"\(escapeLabelValue($0.value))\"" }.joined(separator: ", ") + "}"
}
