public import InfermonConfig
public import InfermonCore
import LLMOps
public import Logging
import Store

/// Builds the LLMOps module's ingest stages and service from its own
/// `pricing`, `budgets` and `slos` options. In `Daemon.make`:
///
/// ```swift
/// let llmopsStages = try LLMOpsWiring.ingestStages(config: config, querier: store, now: clock.now(), logger: logger)
/// let sink: any IngestSink = StagedSink(stages: llmopsStages + [securityStage], next: store)
/// …
/// services.append(  // with the other analysis services: stops before the store closes
///     try LLMOpsWiring.service(
///         config: config, querier: store, sketches: store, appender: store, clock: clock, logger: logger))
/// ```
package enum LLMOpsWiring {
    /// The ingest stages, in order: pricing fills `cost`, then the counter stage
    /// counts what is still unpriced, finish reasons and SLO events. Counters
    /// resume from their last stored values: with `instance` (a store several
    /// daemons share), from this daemon's own series, which carry that label.
    package static func ingestStages(
        config: Configuration, querier: any SeriesQuerier, now: Timestamp, logger: Logger,
        pricing: (any IngestStage)? = nil, instance: String? = nil
    ) throws -> [any IngestStage] {
        let restored = try StageCounters.restore(
            metrics: LLMOpsMetrics.stageCounters, from: querier, now: now,
            lookback: config.storage.options.retention.samples, instance: instance)
        let pricing = try pricing ?? PricingStage(table: config.pricing.loadTable(logger: logger))
        return [
            pricing,
            LLMCounterStage(slos: config.slos, counters: StageCounters(restored: restored, instance: instance)),
        ]
    }

    /// The service writing budget, SLO and signal series every minute.
    static func service(
        config: Configuration, querier: any SeriesQuerier, sketches: any SketchQuerier, appender: any SampleAppender,
        clock: any WallClock = SystemWallClock(), logger: Logger
    ) throws -> LLMOpsService {
        let lookback = config.storage.options.retention.rollups
        var evaluators: [any SeriesEvaluator] = [
            SignalsEvaluator(sketches: sketches, querier: querier, options: .init(lookback: lookback))
        ]
        if !config.budgets.isEmpty {
            evaluators.append(
                BudgetEvaluator(budgets: config.budgets, querier: querier, options: .init(lookback: lookback)))
        }
        if !config.slos.isEmpty {
            evaluators.append(
                SLOEvaluator(slos: config.slos, querier: querier, lookback: config.storage.options.retention.samples))
        }
        return LLMOpsService(evaluators: evaluators, appender: appender, clock: clock, logger: logger)
    }
}

/// The price table follows a reload: the file is read and checked first, and
/// swapped in only when the whole reload goes through.
struct PricingParticipant: ReloadParticipant {
    let stage: SwappableStage
    let logger: Logger

    func prepare(_ config: Configuration) async throws -> @Sendable () async -> Void {
        let pricing = PricingStage(table: try config.pricing.loadTable(logger: logger))
        return { stage.replace(with: pricing) }
    }
}
