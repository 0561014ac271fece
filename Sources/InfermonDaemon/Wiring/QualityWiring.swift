public import InfermonConfig
public import InfermonCore
import Judge
import Logging
public import Quality
public import Store

/// Builds the security ingest stage, the optional LLM judge and the quality
/// service from the Quality and Judge modules' own options.
package enum QualityWiring {
    /// Redaction and security counters for every ingested batch, whatever its source.
    /// `instance` names this daemon's series on a store several daemons share.
    package static func securityStage(
        config: Configuration, store: any SeriesQuerier, clock: any WallClock, instance: String? = nil
    ) throws -> SecurityStage {
        let totals = try SecurityStage.restoreTotals(
            from: store, now: clock.now(), lookback: config.storage.options.retention.samples, instance: instance)
        return SecurityStage(
            scanner: SecurityScanner(options: config.quality.scanners), clock: clock, restoredTotals: totals,
            instance: instance)
    }

    /// The sampling judge service, or nil when `quality.enabled` is false. On either
    /// backend: the store keeps the judgments, labels and calibrations, and the
    /// rate series go back through it.
    static func service(
        config: Configuration, store: any JudgmentStore & GoldJudgmentStore & SeriesQuerier & SampleAppender,
        environment: [String: String], clock: any WallClock
    ) throws -> QualityService? {
        guard config.quality.enabled else { return nil }
        let counters = try QualityService.restoreCounters(
            from: store, now: clock.now(), lookback: config.storage.options.retention.samples)
        return QualityService(
            options: config.quality.options, store: store, appender: store,
            llmJudge: try config.llmJudge.map { try llmJudge($0, environment: environment, clock: clock) },
            restoredCounters: counters, clock: clock, logger: Logger(label: "infermon.quality"))
    }

    static func llmJudge(_ options: LLMJudgeOptions, environment: [String: String], clock: any WallClock) throws
        -> ChatCompletionsJudge
    {
        try ChatCompletionsJudge(
            options: options.resolved(environment: environment),
            budget: JudgeBudget(
                maxEventsPerHour: options.maxEventsPerHour, maxSpendPerDay: options.maxSpendPerDay, now: clock.now()),
            clock: clock, logger: Logger(label: "infermon.judge"))
    }
}
