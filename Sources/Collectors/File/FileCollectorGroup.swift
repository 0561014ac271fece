public import InfermonCore
public import Logging
public import ServiceLifecycle

/// Runs one `FileTailer` per configured source and can swap the set while the
/// daemon runs (configuration reload): unchanged sources keep running
/// untouched, removed or changed ones stop between polls (a batch is either
/// committed with its checkpoint or not started), new ones start.
public actor FileCollectorGroup: Service {
    private let sink: any IngestSink
    private let checkpoints: any CheckpointSource
    private let clock: any WallClock
    private let health: ComponentHealth?
    private let logger: Logger
    private var running: [String: (options: FileSourceOptions, tailer: FileTailer, task: Task<Void, Never>)] = [:]
    private var desired: [FileSourceOptions]

    public init(
        sources: [FileSourceOptions], sink: any IngestSink, checkpoints: any CheckpointSource,
        clock: any WallClock = SystemWallClock(), health: ComponentHealth? = nil, logger: Logger
    ) {
        self.health = health
        self.desired = sources
        self.sink = sink
        self.checkpoints = checkpoints
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        await apply(desired)
        try? await gracefulShutdown()
        await apply([])
    }

    /// Makes the running tailers match `sources`.
    public func apply(_ sources: [FileSourceOptions]) async {
        desired = sources
        let wanted = Dictionary(sources.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        for (name, entry) in running where wanted[name] != entry.options {
            entry.task.cancel()
            await entry.task.value
            running[name] = nil
            health?.remove(entry.tailer.component)
            logger.info("file source stopped", metadata: ["source": "\(name)"])
        }
        for (name, options) in wanted where running[name] == nil {
            let tailer = FileTailer(
                options: options, sink: sink, checkpoints: checkpoints, clock: clock, health: health, logger: logger)
            let task = Task { _ = try? await tailer.run() }
            running[name] = (options, tailer, task)
        }
    }

    /// What every source has ingested since it started, and its lag.
    public func snapshot() async -> [(source: String, totals: IngestTotals, lag: [(path: String, bytes: Int64)])] {
        var result: [(source: String, totals: IngestTotals, lag: [(path: String, bytes: Int64)])] = []
        for (name, entry) in running.sorted(by: { $0.key < $1.key }) {
            result.append((name, await entry.tailer.totals, await entry.tailer.lag()))
        }
        return result
    }

    public var sourceNames: [String] { running.keys.sorted() }
}
