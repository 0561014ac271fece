public import InfermonCore
public import Logging
public import ServiceLifecycle

/// Runs the evaluators (budgets, SLOs, LLM signals) on a fixed interval and
/// appends what they compute through `SampleAppender`, so the results are series
/// like any other: queryable, alertable, on the dashboard.
///
/// Ticks are aligned to the interval on the injected clock (every minute at :00
/// by default), so tests drive it with `ManualClock` and the written samples land
/// on a predictable grid. An evaluator that fails is logged and retried at the
/// next tick; the others still run.
public struct LLMOpsService: Service {
    public let evaluators: [any SeriesEvaluator]
    public let appender: any SampleAppender
    public let interval: Duration
    public let clock: any WallClock
    public let logger: Logger

    public init(
        evaluators: [any SeriesEvaluator], appender: any SampleAppender, interval: Duration = .seconds(60),
        clock: any WallClock = SystemWallClock(), logger: Logger
    ) {
        precondition(interval > .zero)
        self.evaluators = evaluators
        self.appender = appender
        self.interval = interval
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        guard !evaluators.isEmpty else { return }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let next = (floorDivide(clock.now(), interval.millis) + 1) * interval.millis
            do {
                try await cancelWhenGracefulShutdown { try await clock.sleep(until: next) }
            } catch {
                break
            }
            await runOnce(at: clock.now())
        }
    }

    /// One evaluation of every evaluator at `now`; returns how many samples were written.
    @discardableResult
    public func runOnce(at now: Timestamp) async -> Int {
        var written = 0
        for evaluator in evaluators {
            do {
                let samples = try evaluator.evaluate(at: now)
                if !samples.isEmpty { try await appender.append(samples) }
                written += samples.count
            } catch {
                logger.error("evaluation failed", metadata: ["evaluator": "\(evaluator.name)", "error": "\(error)"])
            }
        }
        return written
    }
}
