public import InfermonConfig
public import InfermonCore
public import Logging
public import PostgresStore
import ServiceLifecycle
public import Store

/// What the daemon's stages need of the store, whichever backend holds it:
/// ingest, series and sketches, file checkpoints, alert states, the
/// notification outbox, log and silences, and drift baselines. The stages
/// themselves only see their own protocols from `InfermonCore`.
package protocol DaemonStore: IngestSink, SampleAppender, SeriesQuerier, SketchQuerier, CheckpointSource,
    AlertStateStore, NotificationOutbox, NotificationLogStore, SilenceStore, DriftBaselineStore, EventWindowReader
{
    /// Where the data is: the SQLite file, or the PostgreSQL URL without its password.
    var path: String { get }
    /// Completes when the store's writer answers.
    func ping() async throws
    /// Events that arrived already past retention, per source.
    func expiredOnArrival() throws -> [ExpiredOnArrival]
    /// The store's size on disk: the SQLite file and its WAL, or the PostgreSQL database.
    func sizeBytes() throws -> Int64
    /// Removes expired data; a slice at a time for SQLite.
    func enforceRetentionOnce(now: Timestamp) async throws
    func closeStore() async
}

extension SQLiteStore: DaemonStore {
    package func sizeBytes() throws -> Int64 { try stats().sizeBytes }

    package func enforceRetentionOnce(now: Timestamp) async throws {
        _ = try await enforceRetention(now: now)
    }

    package func closeStore() async { close() }
}

extension PostgresStore: DaemonStore {
    package var path: String { settings.redactedURL }

    package func sizeBytes() throws -> Int64 { try databaseSizeBytes() }

    package func enforceRetentionOnce(now: Timestamp) async throws {
        _ = try await enforceRetention(now: now)
    }

    package func closeStore() async { await close() }
}

/// The store the configuration names, with its concrete type for what only
/// one backend has yet.
package enum StoreBackend: Sendable {
    case sqlite(SQLiteStore)
    case postgres(PostgresStore)

    package var store: any DaemonStore {
        switch self {
        case .sqlite(let store): store
        case .postgres(let store): store
        }
    }

    package var sqlite: SQLiteStore? {
        if case .sqlite(let store) = self { return store }
        return nil
    }

    package var postgres: PostgresStore? {
        if case .postgres(let store) = self { return store }
        return nil
    }

    /// Opens the configured store: the SQLite file, or a connection to PostgreSQL
    /// (migrating its schema when this daemon is the first).
    /// `eventWriter`: for a process that writes events, which SQLite allows one of per file.
    package static func open(
        config: Configuration, environment: [String: String], health: ComponentHealth?, eventWriter: Bool = false,
        logger: Logger
    ) async throws -> StoreBackend {
        switch config.storage.backend {
        case .sqlite:
            return .sqlite(
                try Daemon.openStore(
                    config: config, environment: environment, health: health, eventWriter: eventWriter,
                    logger: logger))
        case .postgres:
            guard let settings = config.storage.postgres else {
                throw InfermonError.invalidArgument("storage.backend postgres needs a storage.postgres section")
            }
            return .postgres(
                try await PostgresStore.open(
                    settings: settings, options: config.storage.options, health: health,
                    logger: Logger(label: "infermon.store")))
        }
    }
}

/// Retention on PostgreSQL: drops expired day partitions and deletes expired
/// rows every `interval`. Every daemon runs it; the statements are idempotent.
struct PostgresRetentionService: Service {
    let store: PostgresStore
    let interval: Duration
    let clock: any WallClock
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await store.enforceRetentionOnce(now: clock.now())
            } catch {
                logger.error("retention failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await clock.sleep(for: interval) }
        }
    }
}
