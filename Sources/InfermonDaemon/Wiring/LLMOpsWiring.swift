import InfermonConfig
import InfermonCore
import LLMOps
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Turns the `pricing`, `budgets` and `slos` configuration into the LLMOps
/// module's ingest stages and service. In `Daemon.make`:
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
    /// The price table the configuration names. A missing file at the default
    /// path means no table (every event without a reported cost is counted as
    /// unpriced); a missing file the configuration asked for is an error.
    package static func priceTable(config: Configuration, logger: Logger) throws -> PriceTable {
        let path = config.pricing.path
        if !config.pricing.isExplicit, access(path, F_OK) != 0 {
            logger.warning(
                "no price table; events without a reported cost stay unpriced", metadata: ["path": "\(path)"])
            return PriceTable.empty
        }
        return try priceTable(PriceTableFile.load(path: path))
    }

    package static func priceTable(_ file: PriceTableFile) throws -> PriceTable {
        func prices(_ rates: PriceTableFile.Rates) -> TokenPrices {
            TokenPrices(
                input: rates.input, output: rates.output, cachedInput: rates.cachedInput, cacheWrite: rates.cacheWrite,
                reasoning: rates.reasoning)
        }
        let entries = try file.rows.map { row in
            let pattern: PriceEntry.Pattern =
                try row.regex.map { .regex(try AnchoredRegex($0)) } ?? .names(row.names)
            let periods = row.periods.map { period in
                PricePeriod(
                    effectiveFrom: period.from, prices: prices(period.rates),
                    longContext: period.longContext.map {
                        LongContextPrices(aboveInputTokens: $0.aboveInputTokens, prices: prices($0.rates))
                    })
            }
            return try PriceEntry(
                pattern: pattern, provider: row.provider, periods: periods, origin: row.location.description)
        }
        return try PriceTable(entries: entries)
    }

    package static func budgets(_ config: Configuration) throws -> [Budget] {
        try config.budgets.map { section in
            Budget(
                name: section.name, selector: try matchers(section.selector),
                period: section.period == .day ? .day : .month, amountUSD: section.amountUSD)
        }
    }

    package static func slos(_ config: Configuration) throws -> [ServiceLevelObjective] {
        try config.slos.map { section in
            let indicator: ServiceLevelObjective.Indicator
            switch section.indicator {
            case .latency: indicator = .latency(threshold: section.threshold ?? 0)
            case .ttft: indicator = .timeToFirstToken(threshold: section.threshold ?? 0)
            case .availability: indicator = .availability
            }
            return ServiceLevelObjective(
                name: section.name, indicator: indicator, objective: section.objective, period: section.period,
                selector: try matchers(section.selector), description: section.description)
        }
    }

    private static func matchers(_ selector: [String: String]) throws -> [LabelMatcher] {
        try selector.sorted { $0.key < $1.key }.map { try LabelMatcher($0.key, .matchRegex, $0.value) }
    }

    /// The ingest stages, in order: pricing fills `cost`, then the counter stage
    /// counts what is still unpriced, finish reasons and SLO events. Counters
    /// resume from their last stored values.
    package static func ingestStages(
        config: Configuration, querier: any SeriesQuerier, now: Timestamp, logger: Logger,
        pricing: (any IngestStage)? = nil
    ) throws -> [any IngestStage] {
        let restored = try StageCounters.restore(
            metrics: LLMOpsMetrics.stageCounters, from: querier, now: now, lookback: config.storage.retention.samples)
        let pricing = try pricing ?? PricingStage(table: priceTable(config: config, logger: logger))
        return [
            pricing,
            LLMCounterStage(slos: try slos(config), counters: StageCounters(restored: restored)),
        ]
    }

    /// The service writing budget, SLO and signal series every minute.
    static func service(
        config: Configuration, querier: any SeriesQuerier, sketches: any SketchQuerier, appender: any SampleAppender,
        clock: any WallClock = SystemWallClock(), logger: Logger
    ) throws -> LLMOpsService {
        let lookback = config.storage.retention.rollups
        var evaluators: [any SeriesEvaluator] = [
            SignalsEvaluator(sketches: sketches, querier: querier, options: .init(lookback: lookback))
        ]
        let budgets = try budgets(config)
        if !budgets.isEmpty {
            evaluators.append(BudgetEvaluator(budgets: budgets, querier: querier, options: .init(lookback: lookback)))
        }
        let slos = try slos(config)
        if !slos.isEmpty {
            evaluators.append(
                SLOEvaluator(slos: slos, querier: querier, lookback: config.storage.retention.samples))
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
        let pricing = PricingStage(table: try LLMOpsWiring.priceTable(config: config, logger: logger))
        return { stage.replace(with: pricing) }
    }
}
