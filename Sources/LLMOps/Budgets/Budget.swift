public import InfermonCore

/// A spending limit: the requests it covers, a calendar period and an amount.
public struct Budget: Sendable, Equatable {
    /// Calendar periods in UTC, the time zone providers bill in.
    public enum Period: String, Sendable, CaseIterable {
        case day
        case month

        /// The period holding `time`: `[start, end)` in epoch milliseconds.
        public func bounds(containing time: Timestamp) -> (start: Timestamp, end: Timestamp) {
            let dayMillis: Int64 = 86_400_000
            let day = floorDivide(time, dayMillis)
            switch self {
            case .day:
                return (day * dayMillis, (day + 1) * dayMillis)
            case .month:
                let date = TimeParsing.civilFromDays(Int(day))
                let first = TimeParsing.daysFromCivil(year: date.year, month: date.month, day: 1)
                let next =
                    date.month == 12
                    ? TimeParsing.daysFromCivil(year: date.year + 1, month: 1, day: 1)
                    : TimeParsing.daysFromCivil(year: date.year, month: date.month + 1, day: 1)
                return (Int64(first) * dayMillis, Int64(next) * dayMillis)
            }
        }
    }

    public var name: String
    /// Which spend counts, over `tenant`, `model`, `model_version` and `route`; empty means all.
    public var selector: [LabelMatcher]
    public var period: Period
    public var amountUSD: Double

    public init(name: String, selector: [LabelMatcher] = [], period: Period, amountUSD: Double) {
        self.name = name
        self.selector = selector
        self.period = period
        self.amountUSD = amountUSD
    }

    /// The cost counters this budget adds up.
    var costMatchers: [LabelMatcher] {
        [LabelMatcher.equal(Labels.metricName, EventMetrics.costTotal)] + selector
    }
}

/// Where a budget stands at one moment.
public struct BudgetStatus: Sendable, Equatable {
    public var budget: String
    public var periodStart: Timestamp
    public var periodEnd: Timestamp
    /// Spend from the start of the period until now, in USD.
    public var spentUSD: Double
    /// Expected spend by the end of the period, in USD.
    public var forecastUSD: Double
    public var limitUSD: Double
    /// Whether the forecast followed the daily load curve (a week of history
    /// existed) or extrapolated the recent rate flat.
    public var followsDailyCurve: Bool

    public var usedRatio: Double { limitUSD > 0 ? spentUSD / limitUSD : 0 }
    public var forecastRatio: Double { limitUSD > 0 ? forecastUSD / limitUSD : 0 }
}
