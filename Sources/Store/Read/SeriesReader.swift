import InfermonCore

/// Answers series queries from one read-only connection. Event-derived counters
/// are synthesised from rollups on the rollup grid, carried forward through
/// quiet intervals (a counter does not vanish because nothing happened) and
/// started with a zero at the key's first interval (so the first request is
/// counted by `increase`, as a well-behaved exporter initialises its counters).
final class SeriesReader {
    let connection: SQLiteConnection
    private let rollupInterval: Int64
    /// The span of `rollup_blocks`, if the interval has them.
    private let blockSpan: Int64?
    let clock: any WallClock
    /// Shared with the store's other readers; `keys` and `namedSeries` are its
    /// dictionaries as of this reader's last refresh.
    let catalog: ReaderCatalog
    private(set) var keys: [Int64: ReaderCatalog.KeyEntry] = [:]
    private var maxKeyID: Int64 = 0
    private var namedSeries: [Int64: Labels] = [:]
    private var maxSeriesID: Int64 = 0

    init(connection: SQLiteConnection, rollupInterval: Int64, clock: any WallClock, catalog: ReaderCatalog) {
        self.connection = connection
        self.catalog = catalog
        self.rollupInterval = rollupInterval
        blockSpan = RollupBlock.span(forInterval: rollupInterval)
        self.clock = clock
    }

    /// Picks up keys and series created since the last query, from the shared
    /// catalog and, for those newer than it knows, from this connection.
    func refreshCatalog() throws {
        var known = catalog.current
        var newKeys: [(id: Int64, entry: ReaderCatalog.KeyEntry)] = []
        let keyRows = try connection.cached(
            "SELECT id, model, model_version, route, tenant, status, first_bucket FROM event_keys WHERE id > ? ORDER BY id"
        )
        keyRows.bind(1, known.maxKeyID)
        while try keyRows.step() {
            let key = EventKey(
                model: keyRows.string(1), modelVersion: keyRows.string(2), route: keyRows.string(3),
                tenant: keyRows.string(4), status: EventStatus(rawValue: keyRows.string(5)) ?? .error)
            newKeys.append((keyRows.int64(0), (key, keyRows.int64(6), key.labels)))
        }
        var newSeries: [(id: Int64, labels: Labels)] = []
        let seriesRows = try connection.cached("SELECT id, labels FROM series WHERE id > ? ORDER BY id")
        seriesRows.bind(1, known.maxSeriesID)
        while try seriesRows.step() {
            newSeries.append((seriesRows.int64(0), try LabelsText.decode(seriesRows.string(1))))
        }
        if !newKeys.isEmpty || !newSeries.isEmpty { known = catalog.adding(keys: newKeys, series: newSeries) }
        guard known.maxKeyID != maxKeyID || known.maxSeriesID != maxSeriesID else { return }
        keys = known.keys
        maxKeyID = known.maxKeyID
        namedSeries = known.namedSeries
        maxSeriesID = known.maxSeriesID
    }

    private typealias Wanted = WantedEventSeries

    /// Which event-derived series match, grouped by key.
    private func matchingEventSeries(_ matchers: [LabelMatcher]) -> [Int64: [Wanted]] {
        WantedEventSeries.matching(matchers, keys: keys.mapValues(\.labels))
    }

    func select(_ matchers: [LabelMatcher], from: Timestamp, through: Timestamp) throws -> [Series] {
        var output: [Series] = []
        try forEachGroup(matchers, from: from, through: through, keysInLabelOrder: false) { output += $0 }
        return output.sorted { $0.labels < $1.labels }
    }

    /// `select`'s series, handed over an event key at a time (in the keys' label
    /// order when asked; `select` sorts everything at the end anyway), then the raw
    /// and named series together; none of them empty.
    func forEachGroup(
        _ matchers: [LabelMatcher], from: Timestamp, through: Timestamp, keysInLabelOrder: Bool = true,
        _ body: ([Series]) throws -> Void
    ) throws {
        // One snapshot for the whole read: a label set's blocks and rows must not
        // come from either side of a transaction that remade them.
        try connection.execute("BEGIN")
        defer {
            connection.resetCachedStatements()
            try? connection.execute("COMMIT")
        }
        try refreshCatalog()
        let now = clock.now()
        var rawWanted: [EventFamily: [Int64: Labels]] = [:]
        let matching = matchingEventSeries(matchers)
        let ordered =
            keysInLabelOrder
            ? matching.keys.sorted { (keys[$0]?.labels ?? Labels()) < (keys[$1]?.labels ?? Labels()) }
            : Array(matching.keys)
        for keyID in ordered {
            let wanted = matching[keyID] ?? []
            let rollupWanted = wanted.filter { !$0.family.isRaw }
            if !rollupWanted.isEmpty {
                let series = try counterSeries(
                    keyID: keyID, wanted: rollupWanted, from: from, through: min(through, now)
                ).filter { !$0.samples.isEmpty }
                if !series.isEmpty { try body(series) }
            }
            for raw in wanted where raw.family.isRaw { rawWanted[raw.family, default: [:]][keyID] = raw.labels }
        }
        var rest: [Series] = []
        for (family, keys) in rawWanted {
            rest += try rawSeries(keys: keys, family: family, from: from, through: through)
        }
        for (seriesID, labels) in namedSeries where matchers.matches(labels) {
            var samples = try chunkSamples(seriesID: seriesID, from: from, through: through)
            let backfilled = try backfilledSamples(seriesID: seriesID, from: from, through: through)
            if !backfilled.isEmpty { samples = Self.merge(samples, backfilled) }
            if !samples.isEmpty { rest.append(Series(labels: labels, samples: samples)) }
        }
        rest.removeAll { $0.samples.isEmpty }
        if !rest.isEmpty { try body(rest.sorted { $0.labels < $1.labels }) }
    }

    func labelSets(_ matchers: [LabelMatcher], from: Timestamp, through: Timestamp) throws -> [Labels] {
        defer { connection.resetCachedStatements() }
        try refreshCatalog()
        var output: [Labels] = []
        let active = try bornKeys(through: through)
        for (keyID, wanted) in matchingEventSeries(matchers) where active.contains(keyID) {
            output += wanted.map(\.labels)
        }
        let statement = try connection.cached(
            "SELECT 1 FROM chunks WHERE series_id = ? AND end_ts >= ? AND start_ts <= ? LIMIT 1")
        for (seriesID, labels) in namedSeries where matchers.matches(labels) {
            statement.reset()
            statement.bind(1, seriesID)
            statement.bind(2, from)
            statement.bind(3, through)
            if try statement.step() {
                output.append(labels)
            } else if try !backfilledSamples(seriesID: seriesID, from: from, through: through, limit: 1).isEmpty {
                output.append(labels)
            }
        }
        return output.sorted()
    }

    /// Keys whose counters exist by `through`: counters carry forward, so any key
    /// with a stored interval at or before it has samples there.
    private func bornKeys(through: Timestamp) throws -> Set<Int64> {
        var born: Set<Int64> = []
        let statement = try connection.cached("SELECT 1 FROM rollups WHERE key_id = ? AND bucket <= ? LIMIT 1")
        for (keyID, entry) in keys where entry.firstBucket <= through {
            statement.reset()
            statement.bind(1, keyID)
            statement.bind(2, through)
            if try statement.step() {
                born.insert(keyID)
            } else if let span = blockSpan,
                try SealedRollupRows.any(
                    connection, keyID: keyID, through: through, span: span, interval: rollupInterval)
            {
                // A sealed hour's rows are only in its block.
                born.insert(keyID)
            }
        }
        return born
    }

    // MARK: Counters from rollups

    private func counterSeries(keyID: Int64, wanted: [Wanted], from: Timestamp, through: Timestamp) throws -> [Series] {
        guard
            let points = try counterPoints(
                keyID: keyID, projection: CounterProjection(families: wanted.map { ($0.family, $0.variant) }),
                from: from, through: through)
        else { return [] }
        return wanted.indices.map { column in
            var samples: [Sample] = []
            samples.reserveCapacity(points.times.count)
            for (time, row) in zip(points.times, points.rows) {
                samples.append(Sample(time, row < 0 ? 0 : points.values[row * wanted.count + column]))
            }
            return Series(labels: wanted[column].labels, samples: samples)
        }
    }

    /// A key's counter samples in `from...through`: the sample times, the row
    /// each takes its values from (-1 for the zero at the key's birth), and the
    /// rows' values, one per projected source; nil when there are none.
    func counterPoints(keyID: Int64, projection: CounterProjection, from: Timestamp, through: Timestamp) throws
        -> (times: [Timestamp], rows: [Int], values: [Double])?
    {
        guard through >= from, let entry = keys[keyID] else { return nil }
        let interval = rollupInterval
        // Rows whose interval ends in range, plus the one before for carrying forward;
        // their values flat, one per projected source.
        var buckets: [Timestamp] = []
        var lastTimestamps: [Timestamp] = []
        var values: [Double] = []
        var scratch: [[Double]] = []
        func read(_ statement: Statement) throws {
            while try statement.step() {
                buckets.append(statement.int64(0))
                lastTimestamps.append(statement.int64(1))
                projection.extract(statement, into: &values, scratch: &scratch)
            }
        }
        let before = try connection.cached(
            "SELECT \(projection.columns) FROM rollups WHERE key_id = ? AND bucket < ? ORDER BY bucket DESC LIMIT 1")
        before.bind(1, keyID)
        before.bind(2, from - interval)
        try read(before)
        // A sealed hour's rows are only in its block: unless `rollups` had a row in
        // the hour before `from - interval`, the carried-forward row may be in one.
        if let span = blockSpan,
            buckets.first.map({ floorDivide($0, span) < floorDivide(from - interval - 1, span) }) ?? true,
            let sealed = try projection.latestSealedRow(
                connection, keyID: keyID, before: from - interval, notBefore: buckets.first ?? 0, span: span,
                interval: interval), sealed.bucket > buckets.first ?? .min
        {
            (buckets, lastTimestamps, values) = ([sealed.bucket], [sealed.lastTimestamp], sealed.values)
        }
        // Rows in [lower, upper): sealed hours from their blocks, the rest from `rollups`.
        let lower = from - interval
        let upper = through + 1
        func readRows(_ start: Timestamp, _ end: Timestamp) throws {
            guard end > start else { return }
            let rows = try connection.cached(
                "SELECT \(projection.columns) FROM rollups WHERE key_id = ? AND bucket >= ? AND bucket < ? ORDER BY bucket"
            )
            rows.bind(1, keyID)
            rows.bind(2, start)
            rows.bind(3, end)
            try read(rows)
        }
        var cursor = lower
        if let span = blockSpan, upper > 0 {
            let first = floorDivide(max(lower, 0), span) * span
            let last = floorDivide(upper - 1, span) * span
            let blocks = try connection.cached(
                "SELECT start, data FROM rollup_blocks WHERE id >= ? AND id <= ? ORDER BY id")
            blocks.bind(1, RollupBlock.id(keyID: keyID, start: first, span: span) ?? 0)
            blocks.bind(2, RollupBlock.id(keyID: keyID, start: last, span: span) ?? -1)
            while try blocks.step() {
                let start = blocks.int64(0)
                try readRows(cursor, start)
                try blocks.withBlob(1) { bytes in
                    try projection.extract(
                        block: try RollupBlockReader(bytes), start: start, interval: interval, from: max(cursor, start),
                        upTo: upper, buckets: &buckets, lastTimestamps: &lastTimestamps, values: &values)
                }
                cursor = max(cursor, start + span)
            }
        }
        try readRows(cursor, upper)
        guard !buckets.isEmpty else { return nil }

        // Sample times: the key's birth (value 0), each interval end, and for the
        // interval still open at `through`, the time of its newest event.
        var pointTimes: [Timestamp] = []
        var pointRows: [Int] = []  // -1 for the birth sample
        // Only while no interval before it was stored: late events can add one
        // earlier, and a zero after it would read as a counter reset.
        if entry.firstBucket >= from, entry.firstBucket <= through, buckets.first == entry.firstBucket {
            pointTimes.append(entry.firstBucket)
            pointRows.append(-1)
        }
        var rowIndex = 0
        var gridEnd = max(floorDivide(from - 1, interval) * interval + interval, buckets[0] + interval)
        let expected = Int(max(0, (through - gridEnd) / interval + 2))
        pointTimes.reserveCapacity(expected)
        pointRows.reserveCapacity(expected)
        while gridEnd <= through {
            while rowIndex + 1 < buckets.count, buckets[rowIndex + 1] + interval <= gridEnd { rowIndex += 1 }
            if buckets[rowIndex] + interval <= gridEnd {
                pointTimes.append(gridEnd)
                pointRows.append(rowIndex)
            }
            gridEnd += interval
        }
        // An interval not yet ended at `through` is shown at its newest event, and
        // only if that event is in range: its total must not leak later requests.
        let last = buckets.count - 1
        if buckets[last] + interval > through {
            let timestamp = lastTimestamps[last]
            if timestamp >= from, timestamp <= through, pointTimes.last.map({ $0 < timestamp }) ?? true {
                pointTimes.append(timestamp)
                pointRows.append(last)
            }
        }
        return (pointTimes, pointRows, values)
    }

    // MARK: Raw events

    /// One family's raw samples for the label sets in `keys`. The window is read
    /// once through the `ts` index whatever the number of label sets (a query per
    /// label set would walk the whole window's events once each).
    private func rawSeries(keys: [Int64: Labels], family: EventFamily, from: Timestamp, through: Timestamp)
        throws -> [Series]
    {
        if keys.count == 1, let (keyID, labels) = keys.first {
            let statement = try connection.cached(
                "SELECT ts, \(family.rawColumn) FROM events WHERE ts >= ? AND ts <= ? AND key_id = ? AND \(family.rawColumn) IS NOT NULL ORDER BY ts"
            )
            statement.bind(1, from)
            statement.bind(2, through)
            statement.bind(3, keyID)
            var samples: [Sample] = []
            while try statement.step() { samples.append(Sample(statement.int64(0), statement.double(1))) }
            return [Series(labels: labels, samples: samples)]
        }
        let statement = try connection.cached(
            "SELECT key_id, ts, \(family.rawColumn) FROM events WHERE ts >= ? AND ts <= ? AND \(family.rawColumn) IS NOT NULL ORDER BY ts"
        )
        statement.bind(1, from)
        statement.bind(2, through)
        var samples: [Int64: [Sample]] = [:]
        while try statement.step() {
            let keyID = statement.int64(0)
            guard keys[keyID] != nil else { continue }
            samples[keyID, default: []].append(Sample(statement.int64(1), statement.double(2)))
        }
        return keys.map { keyID, labels in Series(labels: labels, samples: samples[keyID] ?? []) }
    }

    // MARK: Named series

    private func chunkSamples(seriesID: Int64, from: Timestamp, through: Timestamp) throws -> [Sample] {
        let statement = try connection.cached(
            "SELECT samples, data FROM chunks WHERE series_id = ? AND end_ts >= ? AND start_ts <= ? ORDER BY start_ts")
        statement.bind(1, seriesID)
        statement.bind(2, from)
        statement.bind(3, through)
        var samples: [Sample] = []
        while try statement.step() {
            let count = Int(statement.int64(0))
            try statement.withBlob(1) { try decodeXORChunk($0, count: count, into: &samples) }
        }
        return samples.filter { $0.timestamp >= from && $0.timestamp <= through }
    }

    /// Samples a stage rewrote after the fact (`BackfillAppender`), in time order.
    private func backfilledSamples(seriesID: Int64, from: Timestamp, through: Timestamp, limit: Int = -1) throws
        -> [Sample]
    {
        let statement = try connection.cached(
            "SELECT ts, value FROM backfilled_samples WHERE series_id = ? AND ts >= ? AND ts <= ? ORDER BY ts LIMIT ?")
        statement.bind(1, seriesID)
        statement.bind(2, from)
        statement.bind(3, through)
        statement.bind(4, limit)
        var samples: [Sample] = []
        while try statement.step() { samples.append(Sample(statement.int64(0), statement.double(1))) }
        statement.reset()
        return samples
    }

    /// Chunk samples and backfilled ones in time order; a backfilled sample wins a tie.
    static func merge(_ chunk: [Sample], _ backfilled: [Sample]) -> [Sample] {
        guard !chunk.isEmpty else { return backfilled }
        var byTime: [Timestamp: Double] = [:]
        for sample in chunk { byTime[sample.timestamp] = sample.value }
        for sample in backfilled { byTime[sample.timestamp] = sample.value }
        return byTime.keys.sorted().map { Sample($0, byTime[$0]!) }
    }

    // MARK: Sketches

    func sketches(_ matchers: [LabelMatcher], from: Timestamp, through: Timestamp) throws -> [SketchSeries] {
        defer { connection.resetCachedStatements() }
        try refreshCatalog()
        let columns = [
            EventMetrics.requestDuration: "latency_sketch", EventMetrics.timeToFirstToken: "ttft_sketch",
            EventMetrics.timePerOutputToken: "tpot_sketch", EventMetrics.requestInputTokens: "input_tokens_sketch",
            EventMetrics.requestOutputTokens: "output_tokens_sketch",
        ]
        var output: [SketchSeries] = []
        for (name, column) in columns.sorted(by: { $0.key < $1.key }) {
            for (keyID, entry) in keys {
                let labels = entry.labels.setting(Labels.metricName, to: name)
                guard matchers.matches(labels) else { continue }
                let statement = try connection.cached(
                    "SELECT bucket, \(column) FROM rollup_sketches WHERE key_id = ? AND bucket > ? AND bucket <= ? AND \(column) IS NOT NULL ORDER BY bucket"
                )
                // Both bounds on the key's own range, so the read costs the window, not the history before it.
                statement.bind(1, keyID)
                statement.bind(2, from - rollupInterval)
                statement.bind(3, through)
                var points: [(timestamp: Timestamp, sketch: QuantileSketch)] = []
                while try statement.step() {
                    points.append(
                        (statement.int64(0) + rollupInterval, try QuantileSketch(serialized: statement.blob(1))))
                }
                if !points.isEmpty { output.append(SketchSeries(labels: labels, points: points)) }
            }
        }
        return output.sorted { $0.labels < $1.labels }
    }
}
