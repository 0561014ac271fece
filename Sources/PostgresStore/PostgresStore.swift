public import InfermonCore
public import Logging
import NIOCore
import PostgresNIO
public import Store
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The shared store: PostgreSQL behind the same protocols as `SQLiteStore`,
/// written by any number of daemons at once.
///
/// Each daemon writes through one connection of its own, a batch per
/// transaction: raw events by one `INSERT` of column arrays into the day's
/// partition (`PostgresEventRows`), then the batch's rollup intervals, whose
/// counts are added to what other writers stored for the same label set and
/// interval and whose sketches are merged
/// under a row lock (rows are always taken in (key, interval) order, so
/// writers never deadlock). Reads use a small pool of their own connections.
public final class PostgresStore: IngestSink, SampleAppender, SeriesQuerier, SketchQuerier, LatestEventCountersReader,
    CheckpointSource,
    @unchecked Sendable
{
    public let settings: PostgresSettings
    public let options: StoreOptions
    /// The rollup interval in force: the one the database was created with.
    public let rollupInterval: Int64
    /// This daemon's name in per-host rows (checkpoints, dead letters).
    public let hostName: String
    let clock: any WallClock
    let logger: Logger
    let connector: PostgresConnector
    private let gate = AsyncMutex()
    /// Only touched while holding `gate`; a new one with each new connection.
    private var writer: WriterState
    let readers: PostgresReaderPool
    private let health: ComponentHealth?
    /// How long a batch write may wait for the database before it is given up
    /// and its connection closed: a server that stopped answering (its host or
    /// the network gone, no RST) would otherwise hold the writer for the ~15
    /// minutes TCP takes to give up. Settable for tests.
    var writeTimeout: Duration = .seconds(60)
    /// The same for a read (see `PostgresReadConnection`). Settable for tests.
    var readTimeout: Duration {
        get { readers.timeout }
        set { readers.timeout = newValue }
    }

    private init(
        settings: PostgresSettings, options: StoreOptions, rollupInterval: Int64, connector: PostgresConnector,
        writer: PostgresConnection, clock: any WallClock, health: ComponentHealth?, logger: Logger
    ) {
        self.settings = settings
        self.options = options
        self.rollupInterval = rollupInterval
        self.connector = connector
        self.clock = clock
        self.health = health
        self.logger = logger
        hostName = settings.hostName ?? Self.systemHostName()
        self.writer = WriterState(connection: writer)
        readers = PostgresReaderPool(
            connector: connector, capacity: max(1, options.readConnections), rollupInterval: rollupInterval,
            clock: clock, logger: logger)
    }

    /// Connects, migrates the schema (once, whoever starts first) and settles the rollup interval.
    /// A current schema is only read, so a role that may not change it (or only read) opens it.
    public static func open(
        settings: PostgresSettings, options: StoreOptions = StoreOptions(), clock: any WallClock = SystemWallClock(),
        health: ComponentHealth? = nil, logger: Logger
    ) async throws -> PostgresStore {
        let connector = try PostgresConnector(settings: settings, logger: logger)
        let connection = try await connector.connect()
        do {
            try await migrate(connection, settings: settings, logger: logger)
            let interval = try await settleRollupInterval(
                connection, requested: options.rollupInterval.millis, logger: logger)
            return PostgresStore(
                settings: settings, options: options, rollupInterval: interval, connector: connector,
                writer: connection, clock: clock, health: health, logger: logger)
        } catch {
            try? await connection.close()
            throw error
        }
    }

    private static func settleRollupInterval(_ connection: PostgresConnection, requested: Int64, logger: Logger)
        async throws -> Int64
    {
        guard requested >= 1000, 86_400_000 % requested == 0 else {
            throw InfermonError.invalidArgument("rollup interval must be at least 1s and divide a day evenly")
        }
        func storedInterval() async throws -> Int64? {
            var stored: Int64?
            for try await value in try await connection.query(
                "SELECT value FROM settings WHERE name = 'rollup_interval_ms'", logger: logger
            ).decode(String.self) {
                stored = Int64(value) ?? requested
            }
            return stored
        }
        // Read first: a role that may only read opens a store whose interval is settled.
        var stored = try await storedInterval()
        if stored == nil {
            try await connection.query(
                "INSERT INTO settings (name, value) VALUES ('rollup_interval_ms', \(String(requested))) ON CONFLICT DO NOTHING",
                logger: logger)
            stored = try await storedInterval()
        }
        let interval = stored ?? requested
        if interval != requested {
            logger.warning(
                "store keeps its rollup interval",
                metadata: ["stored_ms": "\(interval)", "configured_ms": "\(requested)"])
        }
        return interval
    }

    private static func systemHostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: Writing

    /// Runs `body` on the writer connection, one at a time; reconnects first if
    /// the connection was lost, and reports the outcome to health. `body` fails
    /// as soon as the connection closes (see `PostgresConnectionGuard`); it is
    /// then left behind with the old connection and its caches, and the next
    /// call starts afresh on a new connection.
    /// A body still waiting when `timeout` (by default `writeTimeout`) passes
    /// fails and the connection is closed: batches, alert states, the outbox
    /// and every other write are bounded alike.
    func onWriter<T: Sendable>(
        timeout: Duration? = nil, _ body: @escaping @Sendable (PostgresConnection, WriterState) async throws -> T
    ) async throws -> T {
        let timeout = timeout ?? writeTimeout
        return try await gate.withLock {
            do {
                if writer.connection.isClosed {
                    writer = WriterState(connection: try await connector.connect())
                    logger.info("reconnected to the database (writer)")
                }
                let state = writer
                let result = try await Self.timedOut(state.connection) {
                    try await state.guarded.run(timeout: Self.timer(clock, timeout)) {
                        try await body(state.connection, state)
                    }
                }
                health?.up("store", now: clock.now())
                return result
            } catch {
                health?.down("store", error: "\(error)", now: clock.now())
                throw error
            }
        }
    }

    /// What ends a write that waits longer than `limit`.
    private static func timer(_ clock: any WallClock, _ limit: Duration?) -> (@Sendable () async -> any Error)? {
        guard let limit else { return nil }
        return {
            try? await clock.sleep(for: limit)
            return WriterTimeout(limit: limit)
        }
    }

    /// Closes the connection of a write that timed out, so the next one opens another.
    private static func timedOut<T>(_ connection: PostgresConnection, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as WriterTimeout {
            try? await connection.close()
            throw error
        }
    }

    public func write(_ batch: IngestBatch) async throws {
        let box = UncheckedSendableBox(batch)
        let interval = rollupInterval
        let host = hostName
        let cutoff = clock.now() - options.retention.events.millis
        let now = clock.now()
        try await onWriter(timeout: writeTimeout) { [logger] connection, state in
            let batchWriter = PostgresBatchWriter(
                connection: connection, state: state, rollupInterval: interval, host: host, logger: logger)
            try await batchWriter.write(box.value, expiryCutoff: cutoff, now: now)
        }
    }

    public func append(_ samples: [(labels: Labels, sample: Sample)]) async throws {
        let box = UncheckedSendableBox(samples)
        let interval = rollupInterval
        let host = hostName
        try await onWriter(timeout: writeTimeout) { [logger] connection, state in
            let batchWriter = PostgresBatchWriter(
                connection: connection, state: state, rollupInterval: interval, host: host, logger: logger)
            try await batchWriter.appendSamples(box.value)
        }
    }

    public func checkpoints(source: String) throws -> [SourceCheckpoint] {
        try readers.withConnection { connection in
            try connection.rows(
                """
                SELECT input_key, path, byte_offset, line, fingerprint, fingerprint_length FROM checkpoints
                WHERE host = \(hostName) AND source = \(source)
                """, logger: logger
            ).map { row in
                let (key, path, offset, line, fingerprint, length) = try row.decode(
                    (String, String, Int64, Int64, Int64, Int64).self)
                return SourceCheckpoint(
                    source: source, inputKey: key, path: path, offset: offset, lineNumber: line,
                    fingerprint: UInt64(bitPattern: fingerprint), fingerprintLength: Int(length))
            }
        }
    }

    /// Completes when the database answers on the writer connection.
    public func ping() async throws {
        try await onWriter { [logger] connection, _ in _ = try await connection.query("SELECT 1", logger: logger) }
    }

    /// Drops the day partitions wholly past the event retention and deletes
    /// rollups, samples, dead letters and request ids past theirs.
    public func enforceRetention(now: Timestamp) async throws -> PostgresRetentionReport {
        let policy = options.retention
        // Dropping partitions and deleting a day of rollups may take a while; a silent server still ends it.
        return try await onWriter(timeout: .seconds(600)) { [logger] connection, state in
            try await PostgresRetention.run(connection, state: state, policy: policy, now: now, logger: logger)
        }
    }

    public func close() async {
        await gate.withLock {
            try? await writer.connection.close()
        }
        await readers.closeAll()
    }

    // MARK: Reading

    public func select(_ matchers: [LabelMatcher], from: Timestamp, through: Timestamp) throws -> [Series] {
        try readers.withReader { try $0.select(matchers, from: from, through: through) }
    }

    public func labelSets(_ matchers: [LabelMatcher], from: Timestamp, through: Timestamp) throws -> [Labels] {
        try readers.withReader { try $0.labelSets(matchers, from: from, through: through) }
    }

    public func sketches(_ matchers: [LabelMatcher], from: Timestamp, through: Timestamp) throws -> [SketchSeries] {
        try readers.withReader { try $0.sketches(matchers, from: from, through: through) }
    }

    public func forEachLatestEventCounters(
        from: Timestamp, through: Timestamp, _ body: (LatestEventCounters) throws -> Void
    ) throws {
        try readers.withReader { try $0.forEachLatestCounters(from: from, through: through, body) }
    }

    /// Raw events stored, for tests and `stats`.
    public func eventCount() throws -> Int64 {
        try readers.withConnection { connection in
            try connection.rows("SELECT count(*) FROM events", logger: logger).first?.decode(Int64.self) ?? 0
        }
    }

    /// Events that arrived already past retention, per source (every writer's).
    public func expiredOnArrival() throws -> [ExpiredOnArrival] {
        try readers.withConnection { connection in
            try connection.rows(
                "SELECT source, events, last_cutoff FROM expired_on_arrival ORDER BY source", logger: logger
            ).map { row in
                let (source, events, cutoff) = try row.decode((String, Int64, Int64).self)
                return ExpiredOnArrival(source: source, events: events, lastCutoff: cutoff)
            }
        }
    }

    /// The database's size on disk (`pg_database_size`).
    public func databaseSizeBytes() throws -> Int64 {
        try readers.withConnection { connection in
            try connection.rows("SELECT pg_database_size(current_database())", logger: logger).first?.decode(
                Int64.self) ?? 0
        }
    }

    /// The names of the events' day partitions, oldest first.
    public func eventPartitions() throws -> [String] {
        try readers.withConnection { connection in
            try connection.rows(
                """
                SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'events' ORDER BY 1
                """, logger: logger
            ).map { try $0.decode(String.self) }
        }
    }
}

/// A batch write the database did not answer in time.
struct WriterTimeout: Error, CustomStringConvertible {
    let limit: Duration
    var description: String { "the database did not answer a write within \(limit.prometheusText)" }
}

/// The writer connection and what it remembers between batches; only used under the store's gate.
final class WriterState: @unchecked Sendable {
    let connection: PostgresConnection
    let guarded: PostgresConnectionGuard
    var keys: [EventKey: (id: Int64, firstBucket: Timestamp)] = [:]
    var sources: [String: Int64] = [:]
    var series: [Labels: Int64] = [:]
    /// Day partitions known to exist (their first millisecond).
    var partitions: Set<Timestamp> = []

    init(connection: PostgresConnection) {
        self.connection = connection
        guarded = PostgresConnectionGuard(connection)
    }

    /// A store released without `close()` (a test that failed half way) still closes its connection.
    deinit {
        let closing: EventLoopFuture<Void> = connection.close()
        closing.whenComplete { [connection] _ in _ = connection }
    }

    /// After a failed transaction or a new connection: anything may be ahead of the database.
    func forgetCaches() {
        keys.removeAll()
        sources.removeAll()
        series.removeAll()
        partitions.removeAll()
    }
}

struct UncheckedSendableBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

extension StringProtocol {
    var trimmingSpaces: Substring {
        let text = Substring(self)
        return text.drop { $0 == " " || $0 == "\n" }
    }
}
