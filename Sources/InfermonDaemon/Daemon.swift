import Alerting
import Collectors
public import InfermonConfig
public import InfermonCore
import LLMOps
public import Logging
import Metrics
import Notify
import Performance
import PostgresStore
import Prometheus
import Quality
import RemoteWrite
import Reports
import Scrape
public import Server
public import ServiceLifecycle
public import Store
import UnixSignals

/// Wires a configuration into running services. Knows every module; owns no logic.
package struct Daemon {
    package let config: Configuration
    package let store: any DaemonStore
    package let backend: StoreBackend
    /// With PostgreSQL, whether this daemon is the evaluator now; nil with SQLite (it always is).
    package let role: EvaluatorRole?
    package let services: [any Service]
    /// Ready once every service has started; what `/-/ready` answers.
    package let readiness: Readiness
    package let logger: Logger

    /// The daemon on an SQLite store (opened here); `open` takes either backend.
    package static func make(
        config: Configuration, configPath: String?, environment: [String: String], extraServices: [any Service] = []
    ) throws -> Daemon {
        let logger = Logger(label: "infermon")
        // Everything `config check` checks, all reported at once, before anything is opened.
        try ConfigurationProblems.throwIfAny(StartupCheck.problems(config, environment: environment))
        let health = ComponentHealth()
        let store = try openStore(
            config: config, environment: environment, health: health, eventWriter: true, logger: logger)
        return try assemble(
            config: config, configPath: configPath, environment: environment, backend: .sqlite(store), health: health,
            extraServices: extraServices, logger: logger)
    }

    /// The daemon on the configured store, SQLite or PostgreSQL.
    package static func open(
        config: Configuration, configPath: String?, environment: [String: String], extraServices: [any Service] = []
    ) async throws -> Daemon {
        let logger = Logger(label: "infermon")
        try ConfigurationProblems.throwIfAny(StartupCheck.problems(config, environment: environment))
        let health = ComponentHealth()
        let backend = try await StoreBackend.open(
            config: config, environment: environment, health: health, eventWriter: true, logger: logger)
        do {
            return try assemble(
                config: config, configPath: configPath, environment: environment, backend: backend, health: health,
                extraServices: extraServices, logger: logger)
        } catch {
            await backend.store.closeStore()
            throw error
        }
    }

    /// Builds the services in start order; the group stops them in reverse:
    /// readiness is withdrawn first, then rule evaluation stops (its last alerts
    /// handed over), then notification, the analysis services, the collectors
    /// (committing their last batch), the HTTP server (finishing requests in
    /// flight), then the push queue drains, and the store closes last. With
    /// PostgreSQL the evaluating services (detectors, LLMOps, canaries,
    /// notification, rules, remote write) run only while this daemon holds the evaluator lock.
    static func assemble(
        config: Configuration, configPath: String?, environment: [String: String], backend: StoreBackend,
        health: ComponentHealth, extraServices: [any Service], logger: Logger
    ) throws -> Daemon {
        let clock = SystemWallClock()
        let registry = MetricsBootstrap.registry
        let store = backend.store
        let role = backend.postgres.map { postgres in
            EvaluatorRole(holder: { try? PostgresEvaluatorLock.holder(store: postgres) })
        }
        let notifier = SystemdNotifier(environment: environment)

        // Every ingest path (files, HTTP, OTLP) goes through the same stages before the store.
        // Pricing fills missing costs before the counters see them; redaction runs before anything is stored.
        let llmopsLogger = Logger(label: "infermon.llmops")
        let pricing = SwappableStage(
            PricingStage(table: try config.pricing.loadTable(logger: llmopsLogger)))
        // On PostgreSQL every daemon keeps its own counters, as series labelled with its name.
        let instance = backend.postgres?.hostName
        let llmopsStages = try LLMOpsWiring.ingestStages(
            config: config, querier: store, now: clock.now(), logger: llmopsLogger, pricing: pricing,
            instance: instance)
        let security = try QualityWiring.securityStage(config: config, store: store, clock: clock, instance: instance)
        let sink: any IngestSink = StagedSink(stages: llmopsStages + [security], next: store)
        let queue = IngestQueue(
            sink: sink, options: .init(capacityEvents: config.server.ingestQueueEvents),
            logger: Logger(label: "infermon.ingest"))
        let collectors = FileCollectorGroup(
            sources: config.sources, sink: sink, checkpoints: store, clock: clock, health: health,
            logger: Logger(label: "infermon.collector.file"))
        let scrape = ScrapeWiring.service(config: config, appender: store, clock: clock, health: health)
        let listen = try config.server.hostAndPort()
        let token = try config.server.tokenFile.map { try StartupCheck.readToken(path: $0) }
        let access = try AccessPolicy(token: token, listeningOnLoopback: AccessPolicy.isLoopback(host: listen.host))
        let ruleGroups = try AlertingWiring.ruleGroups(config)
        let detectors = DetectorsWiring.service(config: config, store: store, clock: clock)
        let canaries = CanaryWiring.service(config: config, store: store, clock: clock)
        let llmops = try LLMOpsWiring.service(
            config: config, querier: store, sketches: store, appender: store, clock: clock,
            logger: Logger(label: "infermon.llmops"))
        let quality = try QualityWiring.service(
            config: config, store: backend.qualityStore, environment: environment, clock: clock)
        // Notification owns an HTTP client that must be shut down: built after the last step that can fail.
        let notifications = try NotifyWiring.makeService(
            config: config, store: store, environment: environment, clock: clock, health: health)
        // Rules evaluate against the store and hand alerts to notification, when it is configured.
        let rules = AlertingWiring.ruleManager(
            config: config, groups: ruleGroups, store: store, sink: notifications?.sink, clock: clock,
            health: health)
        let reloader = ReloadCoordinator(
            configPath: configPath, current: config,
            participants: [
                CanaryParticipant(service: canaries),
                FileSourcesParticipant(group: collectors), ScrapeParticipant(service: scrape, health: health),
                RulesParticipant(manager: rules), PricingParticipant(stage: pricing, logger: llmopsLogger),
            ],
            notifier: notifier, clock: clock, logger: Logger(label: "infermon.reload"))
        let readiness = Readiness(health: health, clock: clock)
        let status = DaemonStatus(
            collectors: collectors, queue: queue, store: store, notifications: notifications, health: health,
            clock: clock, logger: Logger(label: "infermon.watchdog"), role: role)
        let httpLogger = Logger(label: "infermon.http")
        let intake = PushIntake(
            queue: queue, clock: clock, maxBodyBytes: config.server.maxBodyBytes, timestamps: config.storage.timestamps)
        let server = InfermonHTTPServer.make(
            options: ServerOptions(host: listen.host, port: listen.port, maxBodyBytes: config.server.maxBodyBytes),
            access: access,
            modules: [
                HealthRoutes(readiness: readiness, version: InfermonVersion.current),
                MetricsRoutes(
                    registry: registry, querier: store, clock: clock, storedCounters: Self.storedCounters,
                    instance: instance, refresh: { await status.refreshGauges() }),
                IngestRoutes(intake),
                OTLPRoutes(intake),
                PrometheusAPIRoutes(
                    querier: store, sketches: store, clock: clock, timeout: config.server.queryTimeout,
                    maxSamples: config.server.maxSamplesPerQuery, maxBodyBytes: config.server.maxBodyBytes,
                    labelIngest: LabelIngest(
                        store: backend.qualityStore, clock: clock, maxBodyBytes: config.server.maxBodyBytes,
                        naming: config.truthLabelNaming, logger: httpLogger)),
                RulesAPIRoutes(provider: rules),
                AdminRoutes(reload: { await reloader.reload(trigger: "POST /-/reload") }),
                NotificationRoutes(log: store),
                // Silences can be managed (and take effect later) even before notification is configured.
                SilenceRoutes(
                    registry: notifications?.silences
                        ?? Silences(store: store, clock: clock, retention: config.notifications.silenceRetention),
                    clock: clock),
                WebUIRoutes(
                    query: WebUIQuery(
                        querier: store, sketches: store, timeout: config.server.queryTimeout,
                        maxSamples: config.server.maxSamplesPerQuery),
                    rules: rules,
                    silences: {
                        [silences = notifications?.silences, retention = config.notifications.silenceRetention] in
                        try await (silences ?? Silences(store: store, clock: clock, retention: retention))
                            .list(state: nil)
                    },
                    status: WebUIStatus(
                        readiness: readiness, version: InfermonVersion.current,
                        sources: WebUIStatus.fileSources(collectors),
                        configuration: {
                            let current = await reloader.configuration
                            return [
                                ("configuration file", current.file ?? "none (built-in defaults)"),
                                ("listen", current.server.listen),
                                ("store", store.path),
                                ("evaluator", role?.summary ?? "this daemon (SQLite)"),
                                (
                                    "file sources",
                                    current.sources.map { "\($0.name): \($0.paths.joined(separator: ", "))" }
                                        .joined(separator: "; ")
                                ),
                                ("scrape jobs", current.scrape.jobs.map(\.name).joined(separator: ", ")),
                                ("rule files", current.rules.ruleFiles.joined(separator: ", ")),
                                (
                                    "evaluation interval",
                                    current.rules.evaluation.defaultInterval.prometheusText
                                ),
                                ("receivers", current.notifications.receivers.map(\.name).joined(separator: ", ")),
                            ]
                        }),
                    access: access, clock: clock),
            ],
            logger: httpLogger,
            onListening: { port in httpLogger.info("listening", metadata: ["address": "\(listen.host):\(port)"]) })

        let retention: any Service =
            switch backend {
            case .sqlite(let sqlite):
                RetentionService(
                    store: sqlite, interval: config.storage.retentionCheckInterval,
                    logger: Logger(label: "infermon.retention"))
            case .postgres(let postgres):
                PostgresRetentionService(
                    store: postgres, interval: config.storage.retentionCheckInterval, clock: clock,
                    logger: Logger(label: "infermon.retention"))
            }
        var services: [any Service] = [
            retention,
            queue,
            server,
            collectors,
            scrape,
        ]
        // Analysis services read the store and write series back; they stop before the store closes.
        services.append(
            SelfMetricsRecorder(
                collectors: collectors, store: store, clock: clock, logger: Logger(label: "infermon.self-metrics"),
                instance: instance))
        var evaluating: [any Service] = []
        if let detectors { evaluating.append(detectors) }
        evaluating.append(llmops)
        if let quality { evaluating.append(quality) }
        if let performance = PerformanceWiring.service(config: config, store: backend.performanceStore, clock: clock) {
            evaluating.append(performance)
        }
        evaluating.append(canaries)
        if let notifications { evaluating.append(notifications) }
        // After notification, so it stops first and its last alerts are still taken.
        evaluating.append(rules)
        // Scheduled reports queue into notification's outbox: they stop before it.
        if let reports = ReportsWiring.service(
            config: config, store: store, notifications: notifications, clock: clock)
        {
            evaluating.append(reports)
        }
        // With PostgreSQL one daemon ships, from the queue and cursors in the database,
        // so the next evaluator resumes where the last stopped; it stops first.
        if let postgres = backend.postgres,
            let remoteWrite = RemoteWriteWiring.service(
                config: config, store: postgres, step: postgres.rollupInterval, clock: clock)
        {
            evaluating.append(remoteWrite)
        }
        if let postgres = backend.postgres, let role {
            // One daemon at a time evaluates and notifies: the holder of the evaluator lock.
            services.append(
                EvaluatorElection(
                    lock: PostgresEvaluatorLock(store: postgres, lease: postgres.settings.evaluatorLease, clock: clock),
                    role: role, services: evaluating, clock: clock, logger: Logger(label: "infermon.evaluator")))
        } else {
            services += evaluating
        }
        // Reads what the stages above stored and sends it on; its queue is durable, so it stops at once.
        if let sqlite = backend.sqlite,
            let remoteWrite = RemoteWriteWiring.service(
                config: config, store: sqlite, step: sqlite.rollupInterval, clock: clock)
        {
            services.append(remoteWrite)
        }
        services += extraServices
        services += [
            ReloadSignalService(coordinator: reloader),
            WatchdogService(
                notifier: notifier, clock: clock, statusInterval: .seconds(10),
                healthy: { await status.isHealthy() }, status: { await status.summary() },
                logger: Logger(label: "infermon.watchdog")),
            ReadinessService(
                readiness: readiness, notifier: notifier, status: { await status.summary() }, logger: logger),
        ]
        return Daemon(
            config: config, store: store, backend: backend, role: role, services: services, readiness: readiness,
            logger: logger)
    }

    /// The configured store, for one-shot commands.
    package static func openStore(for configuration: Configuration) throws -> SQLiteStore {
        try openStore(config: configuration, environment: processEnvironment, logger: Logger(label: "infermon.store"))
    }

    /// `eventWriter`: for a process that writes events (see `SQLiteStore.init`).
    package static func openStore(
        config: Configuration, environment: [String: String], health: ComponentHealth? = nil,
        eventWriter: Bool = false, logger: Logger
    ) throws -> SQLiteStore {
        guard config.storage.backend == .sqlite else {
            throw InfermonError.unavailable(
                "storage backend postgres: this command does not run on PostgreSQL yet (infermon serve does); use backend: sqlite"
            )
        }
        let path = config.storage.resolvedPath(environment: environment)
        try makeParentDirectory(of: path)
        return try SQLiteStore(
            path: path, options: config.storage.options,
            health: health, eventWriter: eventWriter, logger: Logger(label: "infermon.store"))
    }

    package func run() async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        logger.info(
            "infermon started",
            metadata: ["store": "\(store.path)", "sources": "\(config.sources.map(\.name).joined(separator: ","))"])
        do {
            try await group.run()
        } catch {
            await store.closeStore()
            throw error
        }
        await store.closeStore()
        logger.info("infermon stopped")
    }
}

/// The process-wide metrics registry, bootstrapped into swift-metrics once.
enum MetricsBootstrap {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}

extension String {
    package var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}

extension Daemon {
    /// Counters the ingest stages keep as named series, shown in `/metrics` too
    /// so a Prometheus scraping infermon sees what PromQL here sees.
    static let storedCounters: [(name: String, help: String)] = [
        (
            SecurityStage.metricName,
            "Secrets, personal data and injection findings in prompts and responses, by kind, model and field."
        ),
        (
            LLMOpsMetrics.unpricedRequests,
            "Requests left without a cost: not reported by the source and no price in the table."
        ),
        (
            LLMOpsMetrics.finishReasons,
            "Requests by how generation ended (stop, length, content_filter, tool_calls, …)."
        ),
        (LLMOpsMetrics.sloEvents, "Requests an SLO counted, by result=good|bad."),
    ]
}
