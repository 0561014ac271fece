import InfermonConfig
import InfermonCore
import Judge
import Logging
import Quality
import Store

/// Maps the `quality:` section onto the security ingest stage, the optional
/// LLM judge and the quality service.
package enum QualityWiring {
    /// Redaction and security counters for every ingested batch, whatever its source.
    package static func securityStage(config: Configuration, store: SQLiteStore, clock: any WallClock) throws
        -> SecurityStage
    {
        var options = ScannerOptions()
        options.sensitiveData = config.quality.scanSensitiveData
        options.promptInjection = config.quality.scanPromptInjection
        options.exfiltration = config.quality.scanExfiltration
        options.allowedHosts = config.quality.allowedHosts
        let totals = try SecurityStage.restoreTotals(
            from: store, now: clock.now(), lookback: config.storage.retention.samples)
        return SecurityStage(scanner: SecurityScanner(options: options), clock: clock, restoredTotals: totals)
    }

    /// The sampling judge service, or nil when `quality.enabled` is false.
    static func service(
        config: Configuration, store: SQLiteStore, environment: [String: String], clock: any WallClock
    ) throws -> QualityService? {
        let section = config.quality
        guard section.enabled else { return nil }
        let sampler = EventSampler(
            rules: section.samplingRules.map { SamplingRule(model: $0.model, route: $0.route, rate: $0.rate) },
            defaultRate: section.defaultRate)
        let options = QualityOptions(
            sampler: sampler, settleTime: section.settleTime, interval: section.interval, windows: section.windows,
            minimumSamples: section.minimumSamples, groundednessEnabled: section.groundednessEnabled,
            groundedness: GroundednessOptions(threshold: section.groundednessThreshold),
            feedbackEnabled: section.feedbackEnabled, thumbsDownAtOrBelow: section.thumbsDownAtOrBelow,
            llmConcurrency: section.llmJudge?.concurrency ?? 4, judgmentRetention: section.judgmentRetention)
        let counters = try QualityService.restoreCounters(
            from: store, now: clock.now(), lookback: config.storage.retention.samples)
        return QualityService(
            options: options, store: store, appender: store,
            llmJudge: try llmJudge(section.llmJudge, configFile: config.file, environment: environment, clock: clock),
            restoredCounters: counters, clock: clock, logger: Logger(label: "infermon.quality"))
    }

    static func llmJudge(
        _ section: QualitySection.LLMJudge?, configFile: String?, environment: [String: String], clock: any WallClock
    ) throws -> ChatCompletionsJudge? {
        guard let section else { return nil }
        let apiKey = try LLMJudgeOptions.resolveAPIKey(
            environmentVariable: section.apiKeyEnvironmentVariable, file: section.apiKeyFile, environment: environment)
        var options = LLMJudgeOptions(
            url: section.url, model: section.model, apiKey: apiKey,
            promptTemplate: try readSmallFile(resolve(section.promptTemplate, relativeTo: configFile)))
        options.timeout = section.timeout
        options.concurrency = section.concurrency
        options.maxEventsPerHour = section.maxEventsPerHour
        options.maxSpendPerDay = section.maxSpendPerDay
        options.inputPricePerMillion = section.inputPricePerMillion
        options.outputPricePerMillion = section.outputPricePerMillion
        options.maxTokens = section.maxTokens
        options.jsonMode = section.jsonMode
        options.maxRetries = section.maxRetries
        return try ChatCompletionsJudge(
            options: options,
            budget: JudgeBudget(
                maxEventsPerHour: section.maxEventsPerHour, maxSpendPerDay: section.maxSpendPerDay, now: clock.now()),
            clock: clock, logger: Logger(label: "infermon.judge"))
    }
}

/// A path from a configuration file, relative to that file's directory when not absolute.
package func resolve(_ path: String, relativeTo configFile: String?) -> String {
    guard !path.hasPrefix("/"), let configFile, let slash = configFile.lastIndex(of: "/") else { return path }
    return String(configFile[...slash]) + path
}
