import Dispatch
public import InfermonCore
public import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The embedded store: one SQLite file in WAL mode with a single writer
/// connection, confined to a serial queue off the Swift concurrency pool (SQLite
/// calls block), and a small pool of reader connections for queries, which WAL
/// lets run beside each other and beside writes.
public final class SQLiteStore: IngestSink, SampleAppender, SeriesQuerier, SketchQuerier, LatestEventCountersReader,
    CheckpointSource,
    @unchecked Sendable
{
    public let path: String
    public let options: StoreOptions
    /// The rollup interval in force, which may differ from `options` for an existing store.
    public let rollupInterval: Int64
    let clock: any WallClock
    private let logger: Logger
    private let writeQueue = DispatchQueue(label: "infermon.store.writer")
    // Confined to writeQueue.
    private let writer: StoreWriter
    // Confined to writeQueue once open: taken at open by an event writer, else by the first event or sample write.
    private let writerLock: EventWriterLock
    private let readers: ReaderPool
    /// The keys and series every reader shares.
    let readerCatalog = ReaderCatalog()
    private let closed = Atomic<Bool>(false)
    /// Told whether the writer's last transaction worked (component `store`): every
    /// writer (collectors, push, rules, detectors, notification) fails through it
    /// when the disk is full, and a failing store must show in readiness.
    private let health: ComponentHealth?

    /// `eventWriter` makes this process the file's one event writer before the
    /// file is even opened, or refuses at once, naming the holder, when another
    /// process is (see `EventWriterLock`): `infermon serve` and `infermon ingest`
    /// open so. Any other opener takes the lock with its first event or sample
    /// write, while commands that only read or change small state (silences,
    /// labels, alert states) never need it and so run beside a daemon.
    public init(
        path: String, options: StoreOptions = StoreOptions(), clock: any WallClock = SystemWallClock(),
        health: ComponentHealth? = nil, eventWriter: Bool = false, logger: Logger
    ) throws {
        self.path = path
        self.health = health
        self.options = options
        self.clock = clock
        self.logger = logger
        writerLock = EventWriterLock(storePath: path)
        // Before the first open, whose migrations a second process would race.
        if eventWriter { try writerLock.acquire() }
        let connection = try SQLiteConnection(path: path, mode: .readWrite)
        // Larger pages mean fewer WAL frames (one write call each) per committed batch;
        // it only takes effect when the file is created.
        try connection.execute("PRAGMA page_size = 16384")
        try connection.execute("PRAGMA journal_mode = WAL")
        // In WAL mode NORMAL loses nothing on a process crash; only a power cut can
        // take the last transactions, and never corrupts the file.
        try connection.execute("PRAGMA synchronous = NORMAL")
        try connection.execute("PRAGMA cache_size = -\(options.cacheSizeKiB)")
        try connection.execute("PRAGMA temp_store = MEMORY")
        try connection.execute("PRAGMA wal_autocheckpoint = 4000")
        try Migrations.migrate(connection)
        rollupInterval = try Self.settleRollupInterval(
            connection, requested: options.rollupInterval.millis, logger: logger)
        writer = try StoreWriter(
            connection: connection, rollupInterval: rollupInterval, eventRetention: options.retention.events.millis,
            clock: clock, logger: logger)
        let interval = rollupInterval
        let catalog = readerCatalog
        let openReader: @Sendable () throws -> SeriesReader = {
            let connection = try SQLiteConnection(path: path, mode: .readWrite)
            try connection.execute("PRAGMA query_only = 1")
            try connection.execute("PRAGMA cache_size = -\(options.cacheSizeKiB)")
            // Queries scan many pages once: reading them through a mapping saves a
            // copy per page into SQLite's cache (address space only, not memory).
            // As much of the file as SQLite maps (2 GiB as Debian builds it): the
            // newest data, which most queries read, is at the end of the file.
            try connection.execute("PRAGMA mmap_size = \(1 << 40)")
            return SeriesReader(connection: connection, rollupInterval: interval, clock: clock, catalog: catalog)
        }
        readers = ReaderPool(capacity: options.readConnections, first: try openReader(), open: openReader)
    }

    /// The first open records the interval; later opens keep it, because rollup
    /// rows of different widths cannot be mixed.
    private static func settleRollupInterval(_ connection: SQLiteConnection, requested: Int64, logger: Logger) throws
        -> Int64
    {
        let select = try connection.prepare("SELECT value FROM settings WHERE name = 'rollup_interval_ms'")
        if try select.step(), let stored = Int64(select.string(0)) {
            if stored != requested {
                logger.warning(
                    "store keeps its rollup interval",
                    metadata: ["stored_ms": "\(stored)", "configured_ms": "\(requested)"])
            }
            return stored
        }
        guard requested >= 1000, 86_400_000 % requested == 0 else {
            throw InfermonError.invalidArgument("rollup interval must be at least 1s and divide a day evenly")
        }
        let insert = try connection.prepare("INSERT INTO settings (name, value) VALUES ('rollup_interval_ms', ?)")
        insert.bind(1, String(requested))
        try insert.run()
        return requested
    }

    // MARK: Writing

    func onWriter<T: Sendable>(_ body: @escaping @Sendable (StoreWriter) throws -> T) async throws -> T {
        guard !closed.load(ordering: .acquiring) else { throw InfermonError.unavailable("store is closed") }
        return try await withCheckedThrowingContinuation { continuation in
            writeQueue.async { [writer, health, clock] in
                let result = Result { try body(writer) }
                if let health {
                    switch result {
                    case .success: health.up("store", now: clock.now())
                    case .failure(let error): health.down("store", error: "\(error)", now: clock.now())
                    }
                }
                continuation.resume(with: result)
            }
        }
    }

    public func write(_ batch: IngestBatch) async throws {
        try await write(batch, source: nil)
    }

    /// Writes a batch attributed to a source (recorded with each event).
    public func write(_ batch: IngestBatch, source: String?) async throws {
        let sendable = UncheckedBox(batch)
        try await onWriter { [writerLock] writer in
            try writerLock.acquire()
            try writer.write(sendable.value, source: source)
        }
    }

    /// The same, blocking the calling thread: for one-shot commands and benchmarks.
    public func writeSynchronously(_ batch: IngestBatch, source: String? = nil) throws {
        try writeQueue.sync {
            try writerLock.acquire()
            try writer.write(batch, source: source)
        }
    }

    public func append(_ samples: [(labels: Labels, sample: Sample)]) async throws {
        let sendable = UncheckedBox(samples)
        let rejected = try await onWriter { [writerLock] writer in
            try writerLock.acquire()
            return try writer.appendSamples(sendable.value)
        }
        if rejected > 0 { logger.debug("out-of-order samples dropped", metadata: ["count": "\(rejected)"]) }
    }

    public func checkpoints(source: String) throws -> [SourceCheckpoint] {
        try writeQueue.sync {
            let statement = try writer.connection.prepare(
                "SELECT input_key, path, byte_offset, line, fingerprint, fingerprint_length FROM checkpoints WHERE source = ?"
            )
            statement.bind(1, source)
            var result: [SourceCheckpoint] = []
            while try statement.step() {
                result.append(
                    SourceCheckpoint(
                        source: source, inputKey: statement.string(0), path: statement.string(1),
                        offset: statement.int64(2),
                        lineNumber: statement.int64(3), fingerprint: UInt64(bitPattern: statement.int64(4)),
                        fingerprintLength: Int(statement.int64(5))))
            }
            return result
        }
    }

    /// The rollup intervals the writer holds open in memory: how many label sets,
    /// and their bytes counted structurally (for benchmarks and tests of memory).
    package func openRollupFootprint() -> (labelSets: Int, bytes: Int) {
        writeQueue.sync { writer.rollups.openFootprint }
    }

    /// Completes when the writer queue has run a no-op: the watchdog's proof
    /// that the store is not wedged.
    public func ping() async throws {
        try await onWriter { _ in () }
    }

    /// Runs one slice of retention; see `Retention`.
    public func enforceRetention(now: Timestamp) async throws -> RetentionReport {
        let policy = options.retention
        return try await onWriter { [writerLock] writer in
            try writerLock.acquire()
            let report = try Retention.run(writer.connection, policy: policy, now: now)
            // SQLite's advice for long-lived connections: refresh the planner's statistics
            // now and then (it analyzes only tables that changed enough, with a row limit).
            if report.isComplete { try writer.connection.execute("PRAGMA analysis_limit = 1000; PRAGMA optimize") }
            return report
        }
    }

    /// Checkpoints the WAL into the main file and refuses further writes.
    public func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        writeQueue.sync {
            writer.connection.resetCachedStatements()
            try? writer.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            writerLock.release()
        }
    }

    // MARK: Reading

    public func select(_ matchers: [LabelMatcher], from: Timestamp, through: Timestamp) throws -> [Series] {
        try readers.withReader { try $0.select(matchers, from: from, through: through) }
    }

    public func labelSets(_ matchers: [LabelMatcher], from: Timestamp, through: Timestamp) throws -> [Labels] {
        try readers.withReader { try $0.labelSets(matchers, from: from, through: through) }
    }

    public func forEachSeriesGroup(
        _ matchers: [LabelMatcher], from: Timestamp, through: Timestamp, _ body: ([Series]) throws -> Void
    ) throws {
        try readers.withReader { try $0.forEachGroup(matchers, from: from, through: through, body) }
    }

    public func sketches(_ matchers: [LabelMatcher], from: Timestamp, through: Timestamp) throws -> [SketchSeries] {
        try readers.withReader { try $0.sketches(matchers, from: from, through: through) }
    }

    public func forEachLatestEventCounters(
        from: Timestamp, through: Timestamp, _ body: (LatestEventCounters) throws -> Void
    ) throws {
        try readers.withReader { try $0.forEachLatestCounters(from: from, through: through, body) }
    }

    /// Runs `body` on a reader connection checked out of the pool, for read-only
    /// queries that live in other files (extensions answering stage protocols).
    func withReadConnection<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try readers.withReader { try body($0.connection) }
    }

    /// How many read connections are open now (they open on demand, up to `options.readConnections`).
    var openReadConnections: Int { readers.openCount }

    /// Events that arrived already past the event retention, per source, since the store was made.
    public func expiredOnArrival() throws -> [ExpiredOnArrival] {
        try withReadConnection { try ExpiredOnArrival.read($0) }
    }

    public func stats() throws -> StoreStats {
        try withReadConnection { connection in
            defer { connection.resetCachedStatements() }
            return try StoreStats.read(connection, path: path)
        }
    }
}

/// Carries a value into the write queue's closure; the caller gives it up.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
