public import InfermonCore

/// How spend is spread over the hours of a UTC day, learnt from past days. A
/// weight of 1 is an average hour; the 24 weights add up to 24.
public struct DailyProfile: Sendable, Equatable {
    public let hourlyWeights: [Double]

    static let hour: Int64 = 3_600_000

    /// From spend per hour over whole days, oldest first, starting at midnight UTC
    /// (its count a multiple of 24). nil when there was no spend at all.
    public init?(hourlySpend: [Double]) {
        guard !hourlySpend.isEmpty, hourlySpend.count % 24 == 0 else { return nil }
        var byHour = [Double](repeating: 0, count: 24)
        for (index, spend) in hourlySpend.enumerated() { byHour[index % 24] += max(0, spend) }
        let total = byHour.reduce(0, +)
        guard total > 0 else { return nil }
        hourlyWeights = byHour.map { $0 / total * 24 }
    }

    public init(hourlyWeights: [Double]) {
        precondition(hourlyWeights.count == 24)
        self.hourlyWeights = hourlyWeights
    }

    /// The weighted length of `[from, to)` in hours: what an average-hour rate
    /// must be multiplied by to give the spend expected over it.
    public func weightedHours(from: Timestamp, to: Timestamp) -> Double {
        guard to > from else { return 0 }
        var total = 0.0
        var cursor = from
        while cursor < to {
            let hourStart = floorDivide(cursor, Self.hour) * Self.hour
            let segmentEnd = min(to, hourStart + Self.hour)
            let hourOfDay = Int(((hourStart / Self.hour) % 24 + 24) % 24)
            total += hourlyWeights[hourOfDay] * Double(segmentEnd - cursor) / Double(Self.hour)
            cursor = segmentEnd
        }
        return total
    }
}

/// The end-of-period spend forecast.
///
/// Without a daily profile the recent rate is extrapolated flat:
/// `forecast = spent + recentSpend / recentWindow × timeLeft`.
///
/// With one (a week of history exists), the recent spend is first divided by the
/// profile's weight of the window it was spent in, which gives the rate of an
/// average hour at today's level, and that is multiplied by the weight of the time
/// left: `forecast = spent + recentSpend / W(recent) × W(now, end)`. Spending at
/// night, before the daily peak, no longer predicts a cheap month, nor spending at
/// the peak an expensive one. If the recent window has almost no weight (less
/// than 5% of an average hour's), the flat rule is used: the profile cannot scale
/// from nothing.
public enum SpendForecast {
    public struct Inputs: Sendable, Equatable {
        public var periodEnd: Timestamp
        public var now: Timestamp
        public var spent: Double
        public var recentSpend: Double
        /// Start of the window `recentSpend` was measured over (which ends at `now`).
        public var recentFrom: Timestamp
        public var profile: DailyProfile?

        public init(
            periodEnd: Timestamp, now: Timestamp, spent: Double, recentSpend: Double, recentFrom: Timestamp,
            profile: DailyProfile?
        ) {
            self.periodEnd = periodEnd
            self.now = now
            self.spent = spent
            self.recentSpend = recentSpend
            self.recentFrom = recentFrom
            self.profile = profile
        }
    }

    /// The forecast in USD, and whether the profile was used.
    public static func forecast(_ inputs: Inputs) -> (usd: Double, followsDailyCurve: Bool) {
        let left = max(0, inputs.periodEnd - inputs.now)
        let window = inputs.now - inputs.recentFrom
        guard left > 0, window > 0, inputs.recentSpend > 0 else { return (inputs.spent, inputs.profile != nil) }
        if let profile = inputs.profile {
            let recentWeight = profile.weightedHours(from: inputs.recentFrom, to: inputs.now)
            let windowHours = Double(window) / Double(DailyProfile.hour)
            if recentWeight > 0.05 * windowHours {
                let perAverageHour = inputs.recentSpend / recentWeight
                return (
                    inputs.spent + perAverageHour * profile.weightedHours(from: inputs.now, to: inputs.periodEnd), true
                )
            }
        }
        return (inputs.spent + inputs.recentSpend / Double(window) * Double(left), false)
    }
}
