import Dispatch
import InfermonCore
import Logging
import NIOCore
import PostgresNIO
import Store
import Synchronization

/// Read connections, opened on demand up to `capacity`; a caller finding all
/// of them busy opens no more and waits for one.
final class PostgresReaderPool: Sendable {
    private let connector: PostgresConnector
    private let capacity: Int
    private let rollupInterval: Int64
    let clock: any WallClock
    private let logger: Logger
    private struct State {
        var idle: [PostgresSeriesReader] = []
        var open = 0
    }
    private let state = Mutex(State())
    private let available = DispatchSemaphoreBox()
    private let limit = Mutex<Duration>(.seconds(60))

    /// How long a read query may wait for the database (see `PostgresReadConnection`).
    var timeout: Duration {
        get { limit.withLock { $0 } }
        set { limit.withLock { $0 = newValue } }
    }

    init(connector: PostgresConnector, capacity: Int, rollupInterval: Int64, clock: any WallClock, logger: Logger) {
        self.connector = connector
        self.capacity = capacity
        self.rollupInterval = rollupInterval
        self.clock = clock
        self.logger = logger
    }

    func withReader<T>(_ body: (PostgresSeriesReader) throws -> T) throws -> T {
        let reader = try checkOut()
        reader.timeout = timeout
        do {
            let result = try body(reader)
            checkIn(reader)
            return result
        } catch {
            // A reader whose connection failed is dropped, not reused; one that
            // timed out is closing its connection, which may not read as closed yet.
            if reader.connection.isClosed || error is ReaderTimeout { drop(reader) } else { checkIn(reader) }
            throw error
        }
    }

    func withConnection<T>(_ body: (PostgresReadConnection) throws -> T) throws -> T {
        try withReader { try body($0.reading) }
    }

    private func checkOut() throws -> PostgresSeriesReader {
        while true {
            enum Next {
                case reader(PostgresSeriesReader)
                case open
                case wait
            }
            let next: Next = state.withLock { state in
                while let reader = state.idle.popLast() {
                    if !reader.connection.isClosed { return .reader(reader) }
                    state.open -= 1
                }
                if state.open < capacity {
                    state.open += 1
                    return .open
                }
                return .wait
            }
            switch next {
            case .reader(let reader): return reader
            case .open:
                do {
                    let connection = try connector.connectSynchronously()
                    return PostgresSeriesReader(
                        connection: connection, rollupInterval: rollupInterval, clock: clock, logger: logger)
                } catch {
                    state.withLock { $0.open -= 1 }
                    available.signal()
                    throw error
                }
            case .wait: available.wait()
            }
        }
    }

    /// Readers open and not taken (for tests).
    var idleCount: Int { state.withLock { $0.idle.count } }

    private func checkIn(_ reader: PostgresSeriesReader) {
        state.withLock { $0.idle.append(reader) }
        available.signal()
    }

    private func drop(_ reader: PostgresSeriesReader) {
        state.withLock { $0.open -= 1 }
        available.signal()
    }

    /// Closes the idle connections, waiting for each (a connection must be closed before it is released).
    func closeAll() async {
        let readers = state.withLock { state in
            defer { state.idle.removeAll() }
            return state.idle
        }
        for reader in readers { try? await reader.connection.close() }
    }
}

/// A counting semaphore that wakes waiters when a reader comes back: a
/// blocked read sleeps in the kernel until then (it polled every millisecond).
final class DispatchSemaphoreBox: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    func signal() { semaphore.signal() }
    func wait() { semaphore.wait() }
}

/// Answers series queries from one connection, as the SQLite store's reader
/// does: counters on the rollup grid, carried through quiet intervals, starting
/// at zero at the key's first interval. Rollup rows hold each interval's own
/// counts, so a counter's value is the sum of the rows up to its interval.
final class PostgresSeriesReader: @unchecked Sendable {
    let connection: PostgresConnection
    private let rollupInterval: Int64
    let clock: any WallClock
    private let logger: Logger
    private(set) var keys: [Int64: (key: EventKey, firstBucket: Timestamp, labels: Labels)] = [:]
    private var namedSeries: [Int64: Labels] = [:]
    private var maxSeriesID: Int64 = 0
    /// Set by the pool each time the reader is taken.
    var timeout: Duration = .seconds(60)
    var reading: PostgresReadConnection { PostgresReadConnection(connection: connection, timeout: timeout) }

    deinit {
        let closing: EventLoopFuture<Void> = connection.close()
        closing.whenComplete { [connection] _ in _ = connection }
    }

    init(connection: PostgresConnection, rollupInterval: Int64, clock: any WallClock, logger: Logger) {
        self.connection = connection
        self.rollupInterval = rollupInterval
        self.clock = clock
        self.logger = logger
    }

    /// Keys are read whole each time (their first interval moves with late
    /// events from any writer); series only when new.
    func refreshCatalog() throws {
        for row in try reading.rows(
            "SELECT id, model, model_version, route, tenant, status, first_bucket FROM event_keys", logger: logger)
        {
            let (id, model, version, route, tenant, status, firstBucket) = try row.decode(
                (Int64, String, String, String, String, String, Int64).self)
            let key = EventKey(
                model: model, modelVersion: version, route: route, tenant: tenant,
                status: EventStatus(rawValue: status) ?? .error)
            keys[id] = (key, firstBucket, key.labels)
        }
        for row in try reading.rows(
            "SELECT id, label_names, label_values FROM series WHERE id > \(maxSeriesID) ORDER BY id", logger: logger)
        {
            let (id, names, values) = try row.decode((Int64, [String], [String]).self)
            namedSeries[id] = Labels(zip(names, values).map { Label($0.0, $0.1) })
            maxSeriesID = max(maxSeriesID, id)
        }
    }

    private typealias Wanted = WantedEventSeries

    /// Which event-derived series match, grouped by key.
    private func matchingEventSeries(_ matchers: [LabelMatcher]) -> [Int64: [Wanted]] {
        WantedEventSeries.matching(matchers, keys: keys.mapValues(\.labels))
    }

    func select(_ matchers: [LabelMatcher], from: Timestamp, through: Timestamp) throws -> [Series] {
        try refreshCatalog()
        var output: [Series] = []
        let now = clock.now()
        let matching = matchingEventSeries(matchers)
        let counterKeys = matching.filter { $0.value.contains { !$0.family.isRaw } }.map(\.key)
        let columns = PostgresCounterColumns(counterKeys.flatMap { matching[$0]! })
        let rows = try rollupRows(keys: counterKeys, columns: columns, from: from, through: min(through, now))
        for (keyID, wanted) in matching {
            let rollupWanted = wanted.filter { !$0.family.isRaw }
            if !rollupWanted.isEmpty, let keyRows = rows[keyID] {
                output += counterSeries(
                    keyID: keyID, rows: keyRows, columns: columns, wanted: rollupWanted, from: from,
                    through: min(through, now))
            }
            for raw in wanted where raw.family.isRaw {
                output.append(
                    try rawSeries(keyID: keyID, family: raw.family, labels: raw.labels, from: from, through: through))
            }
        }
        let named = namedSeries.filter { matchers.matches($0.value) }
        if !named.isEmpty {
            var samples: [Int64: [Sample]] = [:]
            for row in try reading.rows(
                """
                SELECT series_id, ts, value FROM samples WHERE series_id = ANY(\(Array(named.keys))::bigint[])
                  AND ts >= \(from) AND ts <= \(through) ORDER BY series_id, ts
                """, logger: logger)
            {
                let (id, ts, value) = try row.decode((Int64, Int64, Double).self)
                samples[id, default: []].append(Sample(ts, value))
            }
            for (id, list) in samples { output.append(Series(labels: named[id]!, samples: list)) }
        }
        return output.filter { !$0.samples.isEmpty }.sorted { $0.labels < $1.labels }
    }

    func labelSets(_ matchers: [LabelMatcher], from: Timestamp, through: Timestamp) throws -> [Labels] {
        try refreshCatalog()
        var output: [Labels] = []
        let matching = matchingEventSeries(matchers)
        if !matching.isEmpty {
            var born: Set<Int64> = []
            for row in try reading.rows(
                """
                SELECT k.id FROM unnest(\(Array(matching.keys))::bigint[]) AS k(id)
                WHERE EXISTS (SELECT 1 FROM rollups r WHERE r.key_id = k.id AND r.bucket <= \(through))
                """, logger: logger)
            {
                born.insert(try row.decode(Int64.self))
            }
            for (keyID, wanted) in matching where born.contains(keyID) && keys[keyID]!.firstBucket <= through {
                output += wanted.map(\.labels)
            }
        }
        let named = namedSeries.filter { matchers.matches($0.value) }
        if !named.isEmpty {
            for row in try reading.rows(
                """
                SELECT s.id FROM unnest(\(Array(named.keys))::bigint[]) AS s(id)
                WHERE EXISTS (SELECT 1 FROM samples WHERE series_id = s.id AND ts >= \(from) AND ts <= \(through))
                """, logger: logger)
            {
                output.append(named[try row.decode(Int64.self)]!)
            }
        }
        return output.sorted()
    }

    // MARK: Counters from rollups

    /// A key's rollup rows as running totals from its first interval: the
    /// totals before `from - interval` as one row at its newest interval,
    /// then every row from there to `through`; `values` holds `width`
    /// doubles per row (`PostgresCounterColumns`).
    struct CumulativeRows {
        var buckets: [Timestamp] = []
        var lastTimestamps: [Timestamp] = []
        var values: [Double] = []
    }

    func rollupRows(
        keys: [Int64], columns: PostgresCounterColumns, from: Timestamp, through: Timestamp
    ) throws -> [Int64: CumulativeRows] {
        guard !keys.isEmpty, !columns.isEmpty, through >= from else { return [:] }
        let start = from - rollupInterval
        let width = columns.width
        var result: [Int64: CumulativeRows] = [:]
        let before = try reading.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT key_id, max(bucket), 0::bigint, \(columns.sumList) FROM rollups
                    WHERE key_id = ANY($1::bigint[]) AND bucket < $2 GROUP BY key_id
                    """, binds: try binds(keys, start)), logger: logger)
        for row in before {
            var cells = row.makeIterator()
            let (key, bucket) = (try Self.integer(&cells), try Self.integer(&cells))
            _ = cells.next()
            var rows = CumulativeRows(buckets: [bucket], lastTimestamps: [0])
            try columns.decode(&cells, into: &rows.values)
            result[key] = rows
        }
        // The rows in range come as one row per key, each column an array in
        // bucket order (`PostgresCounterColumns.arrayList`), each interval's
        // row as it is (one per key and interval, the primary key): summing
        // each row on its own through `infermon_sum_bins` made the server's
        // part of a day's query 7× slower.
        let inRange = try reading.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT key_id, array_agg(bucket ORDER BY bucket), array_agg(last_ts ORDER BY bucket),
                      \(columns.arrayList)
                    FROM rollups WHERE key_id = ANY($1::bigint[]) AND bucket >= $2 AND bucket <= $3 GROUP BY key_id
                    """, binds: try binds(keys, start, through)), logger: logger)
        for row in inRange {
            var cells = row.makeIterator()
            let key = try Self.integer(&cells)
            guard let bucketCell = cells.next(), let lastCell = cells.next() else {
                throw PostgresCounterColumnsError.shortRow
            }
            let buckets = try bucketCell.decode([Int64].self)
            var current = result[key] ?? CumulativeRows()
            let first = current.buckets.count
            current.buckets += buckets
            current.lastTimestamps += try lastCell.decode([Int64].self)
            try columns.decodeArrays(&cells, rows: buckets.count, into: &current.values)
            for index in max(first, 1)..<current.buckets.count {
                let (previous, row) = ((index - 1) * width, index * width)
                for slot in 0..<width { current.values[row + slot] += current.values[previous + slot] }
            }
            result[key] = current
        }
        return result
    }

    private static func integer(_ cells: inout PostgresRow.Iterator) throws -> Int64 {
        guard let cell = cells.next() else { throw PostgresCounterColumnsError.shortRow }
        return try cell.decode(Int64.self)
    }

    private func binds(_ keys: [Int64], _ values: Int64...) throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(keys)
        for value in values { bindings.append(value) }
        return bindings
    }

    private func counterSeries(
        keyID: Int64, rows: CumulativeRows, columns: PostgresCounterColumns, wanted: [Wanted], from: Timestamp,
        through: Timestamp
    ) -> [Series] {
        guard let (pointTimes, pointRows) = counterPoints(keyID: keyID, rows: rows, from: from, through: through)
        else { return [] }
        let width = columns.width
        return wanted.map { wanted in
            var samples: [Sample] = []
            samples.reserveCapacity(pointTimes.count)
            let slot = columns.slot(of: wanted)
            for (time, row) in zip(pointTimes, pointRows) {
                samples.append(Sample(time, row < 0 ? 0 : slot.map { rows.values[row * width + $0] } ?? .nan))
            }
            return Series(labels: wanted.labels, samples: samples)
        }
    }

    /// The grid of `SeriesReader.counterPoints`, over running-total rows: the
    /// sample times and the row each takes its values from (-1 for the zero at
    /// the key's birth).
    func counterPoints(keyID: Int64, rows: CumulativeRows, from: Timestamp, through: Timestamp)
        -> (times: [Timestamp], rows: [Int])?
    {
        guard through >= from, let entry = keys[keyID], !rows.buckets.isEmpty else { return nil }
        let interval = rollupInterval
        let buckets = rows.buckets
        var pointTimes: [Timestamp] = []
        var pointRows: [Int] = []
        if entry.firstBucket >= from, entry.firstBucket <= through, buckets.first == entry.firstBucket {
            pointTimes.append(entry.firstBucket)
            pointRows.append(-1)
        }
        var rowIndex = 0
        var gridEnd = max(floorDivide(from - 1, interval) * interval + interval, buckets[0] + interval)
        while gridEnd <= through {
            while rowIndex + 1 < buckets.count, buckets[rowIndex + 1] + interval <= gridEnd { rowIndex += 1 }
            if buckets[rowIndex] + interval <= gridEnd {
                pointTimes.append(gridEnd)
                pointRows.append(rowIndex)
            }
            gridEnd += interval
        }
        let last = buckets.count - 1
        if buckets[last] + interval > through {
            let timestamp = rows.lastTimestamps[last]
            if timestamp >= from, timestamp <= through, pointTimes.last.map({ $0 < timestamp }) ?? true {
                pointTimes.append(timestamp)
                pointRows.append(last)
            }
        }
        return (pointTimes, pointRows)
    }

    // MARK: Raw events

    private func rawSeries(keyID: Int64, family: EventFamily, labels: Labels, from: Timestamp, through: Timestamp)
        throws -> Series
    {
        let column = family.rawColumn
        let rows = try reading.rows(
            PostgresQuery(
                unsafeSQL: """
                    SELECT ts, \(column)::float8 FROM events WHERE key_id = $1 AND ts >= $2 AND ts <= $3
                      AND \(column) IS NOT NULL ORDER BY ts, id
                    """, binds: Self.bindings(keyID, from, through)), logger: logger)
        return Series(
            labels: labels,
            samples: try rows.map { row in
                let (ts, value) = try row.decode((Int64, Double).self)
                return Sample(ts, value)
            })
    }

    private static func bindings(_ values: Int64...) -> PostgresBindings {
        var bindings = PostgresBindings()
        for value in values { bindings.append(value) }
        return bindings
    }

    // MARK: Sketches

    func sketches(_ matchers: [LabelMatcher], from: Timestamp, through: Timestamp) throws -> [SketchSeries] {
        try refreshCatalog()
        let columns = [
            EventMetrics.requestDuration: "latency_sketch", EventMetrics.timeToFirstToken: "ttft_sketch",
            EventMetrics.timePerOutputToken: "tpot_sketch", EventMetrics.requestInputTokens: "input_tokens_sketch",
            EventMetrics.requestOutputTokens: "output_tokens_sketch",
        ]
        var output: [SketchSeries] = []
        for (name, column) in columns.sorted(by: { $0.key < $1.key }) {
            var labelsByKey: [Int64: Labels] = [:]
            for (keyID, entry) in keys {
                let labels = entry.labels.setting(Labels.metricName, to: name)
                if matchers.matches(labels) { labelsByKey[keyID] = labels }
            }
            guard !labelsByKey.isEmpty else { continue }
            var points: [Int64: [(timestamp: Timestamp, sketch: QuantileSketch)]] = [:]
            var bindings = PostgresBindings()
            bindings.append(Array(labelsByKey.keys))
            bindings.append(rollupInterval)
            bindings.append(from)
            bindings.append(through)
            for row in try reading.rows(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT key_id, bucket, \(column) FROM rollup_sketches WHERE key_id = ANY($1::bigint[])
                          AND bucket + $2 > $3 AND bucket <= $4 AND \(column) IS NOT NULL ORDER BY key_id, bucket
                        """, binds: bindings), logger: logger)
            {
                let (key, bucket, bytes) = try row.decode((Int64, Int64, ByteBuffer).self)
                points[key, default: []].append(
                    (bucket + rollupInterval, try QuantileSketch(serialized: bytes.readableBytesView)))
            }
            for (key, list) in points { output.append(SketchSeries(labels: labelsByKey[key]!, points: list)) }
        }
        return output.sorted { $0.labels < $1.labels }
    }
}
