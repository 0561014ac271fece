import AsyncHTTPClient
public import InfermonCore
public import Logging
public import ServiceLifecycle

/// Scrapes every configured target, each on its own schedule, and appends what
/// it finds as series. `update(targets:)` applies a reloaded configuration
/// without a restart: new targets start, removed ones stop and have their
/// series marked stale, and changed ones continue their series with the new
/// settings.
public actor ScrapeService: Service {
    public typealias Observer = @Sendable (ScrapeReport) -> Void

    private struct Running {
        var target: ScrapeTarget
        var task: Task<TargetSeries, Never>
    }

    private enum Phase { case notStarted, running, stopped }

    private let appender: any SampleAppender
    private let clock: any WallClock
    private let logger: Logger
    private let observer: Observer?
    /// Made when `run` starts and shut down when it ends, so a service that is
    /// built but never run (a reload that fails validation) owns no client.
    private var fetcher: HTTPScrapeFetcher?
    private var desired: [ScrapeTarget]
    private var running: [ScrapeTarget.Identity: Running] = [:]
    private var phase = Phase.notStarted
    private var applying: Task<Void, Never>?

    /// - Parameter observer: called after every scrape, from the scraping task.
    public init(
        targets: [ScrapeTarget], appender: any SampleAppender, clock: any WallClock = SystemWallClock(),
        logger: Logger, observer: Observer? = nil
    ) {
        self.desired = targets
        self.appender = appender
        self.clock = clock
        self.logger = logger
        self.observer = observer
    }

    /// The targets being scraped now.
    public var targets: [ScrapeTarget] { running.values.map(\.target) }

    public func run() async throws {
        guard phase == .notStarted else { return }
        let fetcher = HTTPScrapeFetcher(client: HTTPScrapeFetcher.makeClient())
        self.fetcher = fetcher
        phase = .running
        await apply(desired)
        logger.info("scraping", metadata: ["targets": "\(running.count)"])
        // Returns on graceful shutdown; throws when cancelled. Either way, stop.
        try? await gracefulShutdown()
        phase = .stopped
        let stopping = running.values
        running = [:]
        // On shutdown series are not marked stale: a restarted daemon continues them.
        for entry in stopping { entry.task.cancel() }
        for entry in stopping { _ = await entry.task.value }
        try? await fetcher.client.shutdown()
        self.fetcher = nil
    }

    /// Replaces the set of targets. Before `run`, it only records them.
    public func update(targets: [ScrapeTarget]) async {
        desired = targets
        guard phase == .running else { return }
        await apply(targets)
    }

    /// Applies one target set at a time: an update arriving while another waits
    /// for a stopping loop queues behind it instead of interleaving.
    private func apply(_ targets: [ScrapeTarget]) async {
        let previous = applying
        let task = Task {
            await previous?.value
            await self.reconcile(targets)
        }
        applying = task
        await task.value
    }

    private func reconcile(_ targets: [ScrapeTarget]) async {
        guard phase == .running else { return }
        var wanted: [ScrapeTarget.Identity: ScrapeTarget] = [:]
        for target in targets { wanted[target.identity] = target }
        var removed: [Running] = []
        var changed: [(old: Running, new: ScrapeTarget)] = []
        for (identity, entry) in running {
            guard let target = wanted[identity] else {
                removed.append(entry)
                continue
            }
            if target != entry.target { changed.append((entry, target)) }
        }
        for (identity, target) in wanted where running[identity] == nil {
            start(target, series: TargetSeries(targetLabels: target.targetLabels))
        }
        for entry in removed + changed.map(\.old) { entry.task.cancel() }
        for (old, target) in changed {
            let series = await old.task.value
            guard phase == .running else { return }
            start(target, series: series)
            logger.info("scrape target changed", metadata: ["job": "\(target.job)", "target": "\(target.url)"])
        }
        for entry in removed {
            running[entry.target.identity] = nil
            var series = await entry.task.value
            let markers = series.removed(at: clock.now())
            do {
                try await appender.append(markers)
            } catch {
                logger.error("cannot store stale markers", metadata: ["error": "\(error)"])
            }
            logger.info(
                "scrape target removed", metadata: ["job": "\(entry.target.job)", "target": "\(entry.target.url)"])
        }
    }

    private func start(_ target: ScrapeTarget, series: TargetSeries) {
        guard let fetcher else { return }
        let loop = ScrapeLoop(
            target: target, fetcher: fetcher, appender: appender, clock: clock, logger: logger, observer: observer)
        running[target.identity] = Running(target: target, task: Task { await loop.run(series) })
    }
}
