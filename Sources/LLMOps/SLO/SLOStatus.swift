public import InfermonCore

/// Good and bad request counts of one SLO over one window.
public struct WindowCounts: Sendable, Equatable {
    public var good: Double
    public var bad: Double

    public init(good: Double, bad: Double) {
        self.good = good
        self.bad = bad
    }

    public var total: Double { good + bad }
    /// The fraction of counted requests that were bad; 0 without requests.
    public var errorRatio: Double { total > 0 ? bad / total : 0 }
}

/// Where an SLO stands: burn rates over the alerting windows and the error budget
/// left over its period.
///
/// The burn rate of a window is its error ratio divided by the error budget
/// (`1 − objective`): at 1 the budget lasts exactly the period, at 14.4 a 30-day
/// budget is gone in about two days (2% of it per hour). A window without
/// requests burns nothing (rate 0). The budget remaining is
/// `1 − errorRatio(period) / errorBudget`: 1 untouched, 0 spent, negative overspent.
public struct SLOStatus: Sendable, Equatable {
    public var slo: String
    public var objective: Double
    /// End of every window: the last whole minute, so the counts are exact.
    public var windowEnd: Timestamp
    public var windows: [BurnRateWindow: WindowCounts]
    public var period: WindowCounts

    public init(
        slo: String, objective: Double, windowEnd: Timestamp, windows: [BurnRateWindow: WindowCounts],
        period: WindowCounts
    ) {
        self.slo = slo
        self.objective = objective
        self.windowEnd = windowEnd
        self.windows = windows
        self.period = period
    }

    public var errorBudget: Double { 1 - objective }

    public func burnRate(_ window: BurnRateWindow) -> Double {
        guard let counts = windows[window], errorBudget > 0 else { return 0 }
        return counts.errorRatio / errorBudget
    }

    public var errorBudgetRemaining: Double {
        guard errorBudget > 0 else { return period.bad > 0 ? -.infinity : 1 }
        return 1 - period.errorRatio / errorBudget
    }
}
