public import InfermonCore
public import Logging
public import ServiceLifecycle
import Synchronization

/// Evaluates the configured rollouts every `interval` inside `infermon serve`
/// and writes their verdicts as series, for the rules to notify on. A reload
/// replaces the rollouts (`replace(_:)`); the next pass uses them.
public final class CanaryService: Service, Sendable {
    let reader: any EventWindowReader
    let appender: any SampleAppender
    private let current: Mutex<CanaryConfig>
    let clock: any WallClock
    let logger: Logger

    public init(
        reader: any EventWindowReader, appender: any SampleAppender, config: CanaryConfig,
        clock: any WallClock = SystemWallClock(), logger: Logger
    ) {
        self.reader = reader
        self.appender = appender
        self.current = Mutex(config)
        self.clock = clock
        self.logger = logger
    }

    /// The `canaries:` section in force.
    public var config: CanaryConfig { current.withLock { $0 } }

    /// Takes a reloaded `canaries:` section; the next pass evaluates its rollouts.
    public func replace(_ config: CanaryConfig) {
        current.withLock { $0 = config }
        logger.info("canaries reloaded", metadata: ["rollouts": "\(config.enabled ? config.rollouts.count : 0)"])
    }

    public func run() async throws {
        var next = clock.now()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await evaluate(now: clock.now())
            } catch {
                logger.error("canary evaluation failed", metadata: ["error": "\(error)"])
            }
            let interval = config.interval.millis
            next += interval
            if next <= clock.now() { next = clock.now() + interval }
            let deadline = next
            try? await cancelWhenGracefulShutdown { try await self.clock.sleep(until: deadline) }
        }
    }

    /// Evaluates every rollout once at `now` and appends the series; returns the reports.
    @discardableResult
    public func evaluate(now: Timestamp) async throws -> [CanaryReport] {
        var samples: [(labels: Labels, sample: Sample)] = []
        var reports: [CanaryReport] = []
        let config = self.config
        for definition in config.enabled ? config.rollouts : [] {
            let report = try definition.evaluate(reader: reader, now: now)
            reports.append(report)
            samples += CanarySeries.samples(report, definition: definition, at: now)
            logger.debug(
                "canary evaluated",
                metadata: [
                    "canary": "\(definition.name)", "verdict": "\(report.verdict.rawValue)",
                    "reason": "\(report.reason)",
                ])
        }
        if !samples.isEmpty { try await appender.append(samples) }
        return reports
    }
}
