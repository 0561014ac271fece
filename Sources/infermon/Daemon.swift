import Collectors
import InfermonConfig
import InfermonCore
import Logging
import Server
import ServiceLifecycle
import Store
import UnixSignals

/// Wires a configuration into running services. Knows every module; owns no logic.
struct Daemon {
    let config: Configuration
    let store: SQLiteStore
    let services: [any Service]
    let logger: Logger

    /// Opens the store and builds the services in start order: the store's
    /// maintenance first, collectors last, so on shutdown collectors stop (and
    /// commit their last batch) before the store closes.
    static func make(config: Configuration, environment: [String: String], extraServices: [any Service] = []) throws
        -> Daemon
    {
        let logger = Logger(label: "infermon")
        let store = try openStore(config: config, environment: environment, logger: logger)
        let readiness = Readiness()
        let listen = try config.server.hostAndPort()
        let httpLogger = Logger(label: "infermon.http")
        let server = InfermonHTTPServer.make(
            options: ServerOptions(host: listen.host, port: listen.port),
            modules: [HealthRoutes(readiness: readiness, version: InfermonVersion.current)],
            logger: httpLogger,
            onListening: { port in httpLogger.info("listening", metadata: ["address": "\(listen.host):\(port)"]) })
        var services: [any Service] = [
            RetentionService(
                store: store, interval: config.storage.retentionCheckInterval,
                logger: Logger(label: "infermon.retention")),
            server,
        ]
        services += extraServices
        for source in config.sources {
            let options = FileSourceOptions(
                name: source.name, paths: source.paths, profile: ProfileKind(rawValue: source.profile) ?? .native,
                maxLineBytes: source.maxLineBytes, pollInterval: source.pollInterval,
                rotatedIdlePolls: source.rotatedIdlePolls, batchEvents: source.batchEvents)
            services.append(
                FileTailer(
                    options: options, sink: store, checkpoints: store, logger: Logger(label: "infermon.collector.file"))
            )
        }
        services.append(ReadinessService(readiness: readiness, logger: logger))
        return Daemon(config: config, store: store, services: services, logger: logger)
    }

    static func openStore(config: Configuration, environment: [String: String], logger: Logger) throws -> SQLiteStore {
        let path = config.storage.resolvedPath(environment: environment)
        try makeParentDirectory(of: path)
        let retention = RetentionPolicy(
            events: config.storage.retention.events, rollups: config.storage.retention.rollups,
            samples: config.storage.retention.samples, deadLetters: config.storage.retention.deadLetters)
        return try SQLiteStore(
            path: path, options: StoreOptions(rollupInterval: config.storage.rollupInterval, retention: retention),
            logger: Logger(label: "infermon.store"))
    }

    func run() async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        logger.info(
            "infermon started",
            metadata: [
                "store": "\(store.path)", "sources": "\(config.sources.map(\.name).joined(separator: ","))",
            ])
        try await group.run()
        store.close()
        logger.info("infermon stopped")
    }
}
