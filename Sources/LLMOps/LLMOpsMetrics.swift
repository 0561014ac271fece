import InfermonCore

/// Names of the series this module writes. Rule files, dashboards and the
/// README refer to them, so they live in one place.
public enum LLMOpsMetrics {
    // Counters kept by `LLMCounterStage`, committed with the events they count.

    /// Requests left without a cost: not reported by the source and no price in the table.
    public static let unpricedRequests = "infermon_cost_unpriced_requests_total"
    /// Requests by how generation ended (`stop`, `length`, `content_filter`, `tool_calls`, …).
    public static let finishReasons = "infermon_finish_reasons_total"
    /// Requests an SLO counted, by `result="good|bad"`.
    public static let sloEvents = "infermon_slo_events_total"

    // Gauges written by the evaluators.

    public static let budgetUsedRatio = "infermon_budget_used_ratio"
    public static let budgetForecastRatio = "infermon_budget_forecast_ratio"
    public static let budgetSpendUSD = "infermon_budget_spend_usd"
    public static let budgetForecastUSD = "infermon_budget_forecast_usd"
    public static let budgetLimitUSD = "infermon_budget_limit_usd"

    public static let sloBurnRate = "infermon_slo_burn_rate"
    public static let sloErrorBudgetRemaining = "infermon_slo_error_budget_remaining_ratio"
    public static let sloObjective = "infermon_slo_objective_ratio"

    public static let latencyQuantile = "infermon_latency_quantile_seconds"
    public static let completionTokensQuantile = "infermon_completion_tokens_quantile"
    public static let finishLengthRatio = "infermon_finish_length_ratio"
    public static let cacheHitRatio = "infermon_cache_hit_ratio"

    /// Every counter the stage maintains, for restoring them at startup.
    public static let stageCounters = [unpricedRequests, finishReasons, sloEvents]
}
