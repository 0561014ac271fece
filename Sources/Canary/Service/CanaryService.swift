public import InfermonCore
public import Logging
public import ServiceLifecycle

/// Evaluates the configured rollouts every `interval` inside `infermon serve`
/// and writes their verdicts as series, for the rules to notify on.
public struct CanaryService: Service {
    let reader: any EventWindowReader
    let appender: any SampleAppender
    let config: CanaryConfig
    let clock: any WallClock
    let logger: Logger

    public init(
        reader: any EventWindowReader, appender: any SampleAppender, config: CanaryConfig,
        clock: any WallClock = SystemWallClock(), logger: Logger
    ) {
        self.reader = reader
        self.appender = appender
        self.config = config
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        var next = clock.now()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await evaluate(now: clock.now())
            } catch {
                logger.error("canary evaluation failed", metadata: ["error": "\(error)"])
            }
            next += config.interval.millis
            if next <= clock.now() { next = clock.now() + config.interval.millis }
            let deadline = next
            try? await cancelWhenGracefulShutdown { try await clock.sleep(until: deadline) }
        }
    }

    /// Evaluates every rollout once at `now` and appends the series; returns the reports.
    @discardableResult
    public func evaluate(now: Timestamp) async throws -> [CanaryReport] {
        var samples: [(labels: Labels, sample: Sample)] = []
        var reports: [CanaryReport] = []
        for definition in config.rollouts {
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
