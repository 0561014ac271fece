public import InfermonCore
import Synchronization

/// Spend so far and the end-of-period forecast of every budget, read from the
/// store's `infermon_cost_usd_total` counters (which hold reported and
/// table-priced cost alike, as the pricing stage fills `cost` before the write).
/// Writes `infermon_budget_used_ratio{budget}`, `infermon_budget_forecast_ratio{budget}`
/// and, for dashboards, the same in USD and the limit.
public final class BudgetEvaluator: SeriesEvaluator {
    public struct Options: Sendable {
        /// The window whose spend sets the recent rate.
        public var recentWindow: Duration
        /// Complete past days the daily profile is learnt from; the profile is used
        /// only once that much history exists.
        public var profileDays: Int
        /// How far back a counter's last sample is looked for (the rollups' retention).
        public var lookback: Duration

        public init(
            recentWindow: Duration = .seconds(6 * 3600), profileDays: Int = 7,
            lookback: Duration = .seconds(90 * 86_400)
        ) {
            self.recentWindow = recentWindow
            self.profileDays = profileDays
            self.lookback = lookback
        }
    }

    public let name = "budgets"
    public let budgets: [Budget]
    public let options: Options
    private let reader: CounterReader
    /// Profiles by budget, with the day they were learnt on: they only change at midnight.
    private let profiles: Mutex<[String: (day: Timestamp, profile: DailyProfile?)]>

    public init(budgets: [Budget], querier: any SeriesQuerier, options: Options = Options()) {
        self.budgets = budgets
        self.options = options
        reader = CounterReader(querier: querier)
        profiles = Mutex([:])
    }

    public func evaluate(at now: Timestamp) throws -> [(labels: Labels, sample: Sample)] {
        var out: [(labels: Labels, sample: Sample)] = []
        for budget in budgets {
            let status = try self.status(of: budget, at: now)
            let values: [(String, Double)] = [
                (LLMOpsMetrics.budgetUsedRatio, status.usedRatio),
                (LLMOpsMetrics.budgetForecastRatio, status.forecastRatio),
                (LLMOpsMetrics.budgetSpendUSD, status.spentUSD),
                (LLMOpsMetrics.budgetForecastUSD, status.forecastUSD),
                (LLMOpsMetrics.budgetLimitUSD, status.limitUSD),
            ]
            for (metric, value) in values {
                out.append((Labels.metric(metric, ("budget", budget.name)), Sample(now, value)))
            }
        }
        return out
    }

    public func status(of budget: Budget, at now: Timestamp) throws -> BudgetStatus {
        let bounds = budget.period.bounds(containing: now)
        let matchers = budget.costMatchers
        let current = try spend(matchers, at: now)
        let spent = current - (try spend(matchers, at: bounds.start))
        // The recent rate is measured only over time the counters existed, so a
        // fresh install does not read its first hour as a quiet six.
        var recentFrom = now - options.recentWindow.millis
        if try reader.querier.labelSets(matchers, from: recentFrom, through: recentFrom).isEmpty {
            let births = try reader.querier.select(matchers, from: recentFrom, through: now)
            recentFrom = births.compactMap { $0.samples.first?.timestamp }.min() ?? now
        }
        let recentSpend = current - (try spend(matchers, at: recentFrom))
        let forecast = SpendForecast.forecast(
            SpendForecast.Inputs(
                periodEnd: bounds.end, now: now, spent: spent, recentSpend: recentSpend, recentFrom: recentFrom,
                profile: try profile(for: budget, at: now)))
        return BudgetStatus(
            budget: budget.name, periodStart: bounds.start, periodEnd: bounds.end, spentUSD: spent,
            forecastUSD: forecast.usd, limitUSD: budget.amountUSD, followsDailyCurve: forecast.followsDailyCurve)
    }

    private func spend(_ matchers: [LabelMatcher], at time: Timestamp) throws -> Double {
        try reader.values(matchers, at: time, lookback: options.lookback.millis).total
    }

    /// The daily profile from the last `profileDays` complete days, or nil while
    /// there is less history than that (or no spend in it).
    private func profile(for budget: Budget, at now: Timestamp) throws -> DailyProfile? {
        let dayMillis: Int64 = 86_400_000
        let today = floorDivide(now, dayMillis) * dayMillis
        if let cached = profiles.withLock({ $0[budget.name] }), cached.day == today { return cached.profile }
        let first = today - Int64(options.profileDays) * dayMillis
        var profile: DailyProfile?
        // History exists when some counter of the budget was born by the first day.
        if !(try reader.querier.labelSets(budget.costMatchers, from: first, through: first).isEmpty) {
            var previous = try spend(budget.costMatchers, at: first)
            var hourly: [Double] = []
            for hour in 1...(options.profileDays * 24) {
                let value = try spend(budget.costMatchers, at: first + Int64(hour) * DailyProfile.hour)
                hourly.append(value - previous)
                previous = value
            }
            profile = DailyProfile(hourlySpend: hourly)
        }
        profiles.withLock { $0[budget.name] = (today, profile) }
        return profile
    }
}
