public import InfermonCore

/// What a series usually is at this time of the week, learnt online.
///
/// Each observation updates exponentially weighted means and variances in three
/// places: its hour-of-week slot (168), its hour-of-day slot (24) and one overall
/// level. The expectation comes from the most specific place with enough
/// history: the hour-of-week slot once it has seen `minimumPeriods` different
/// weeks, else the hour-of-day slot once it has seen that many days, else the
/// overall level. So a new deployment starts with a level baseline, becomes
/// daily-seasonal after two days and weekly-seasonal after two weeks. Hours are
/// UTC unless `utcOffsetHours` says otherwise.
public struct SeasonalBaseline: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Weight of a new observation in a slot's mean and variance.
        public var smoothing = 0.2
        /// Different weeks (days) a slot must have seen before it is trusted.
        public var minimumPeriods = 2
        /// Observations of the level before any expectation is given.
        public var warmupObservations = 10
        public var utcOffsetHours = 0
        public init() {}
    }

    public enum Source: String, Sendable { case weekly, daily, level }

    public struct Expectation: Sendable, Equatable {
        public var mean: Double
        public var scale: Double
        public var source: Source
    }

    struct Slot: Sendable {
        var mean = 0.0
        var variance = 0.0
        var observations = 0
        var periods = 0
        var lastPeriod = Int64.min

        mutating func update(_ value: Double, weight: Double, period: Int64) {
            if observations == 0 {
                mean = value
            } else {
                let difference = value - mean
                mean += weight * difference
                variance = (1 - weight) * (variance + weight * difference * difference)
            }
            observations += 1
            if period != lastPeriod {
                periods += 1
                lastPeriod = period
            }
        }
    }

    public let settings: Settings
    var weekly = [Slot](repeating: Slot(), count: 168)
    var daily = [Slot](repeating: Slot(), count: 24)
    var level = Slot()

    public init(settings: Settings = Settings()) { self.settings = settings }

    /// The expected value and scale at `time`, or nil while the level is still warming up.
    public func expectation(at time: Timestamp) -> Expectation? {
        guard level.observations >= settings.warmupObservations else { return nil }
        let (hourOfWeek, hourOfDay) = hours(time)
        let levelScale = level.variance.squareRoot()
        func scale(_ slot: Slot) -> Double {
            // A slot's own variance needs a few points; until then borrow the level's.
            let own = slot.observations >= 5 ? slot.variance.squareRoot() : levelScale
            return max(own, 1e-6 * max(1, abs(slot.mean)))
        }
        let week = weekly[hourOfWeek]
        if week.periods >= settings.minimumPeriods {
            return Expectation(mean: week.mean, scale: scale(week), source: .weekly)
        }
        let day = daily[hourOfDay]
        if day.periods >= settings.minimumPeriods {
            return Expectation(mean: day.mean, scale: scale(day), source: .daily)
        }
        return Expectation(mean: level.mean, scale: max(levelScale, 1e-6 * max(1, abs(level.mean))), source: .level)
    }

    public mutating func update(_ value: Double, at time: Timestamp) {
        guard value.isFinite else { return }
        let (hourOfWeek, hourOfDay) = hours(time)
        let local = time + Int64(settings.utcOffsetHours) * 3_600_000
        let day = floorDivide(local, 86_400_000)
        let week = floorDivide(local + 3 * 86_400_000, 7 * 86_400_000)  // weeks start on Monday
        weekly[hourOfWeek].update(value, weight: settings.smoothing, period: week)
        daily[hourOfDay].update(value, weight: settings.smoothing, period: day)
        level.update(value, weight: settings.smoothing, period: day)
    }

    /// (hour of week counted from Monday 00:00, hour of day).
    func hours(_ time: Timestamp) -> (Int, Int) {
        let local = time + Int64(settings.utcOffsetHours) * 3_600_000
        let hour = floorDivide(local, 3_600_000)
        let hourOfDay = Int(hour - floorDivide(hour, 24) * 24)
        // 1970-01-01 was a Thursday: shift by three days so index 0 is Monday.
        let shifted = hour + 72
        let hourOfWeek = Int(shifted - floorDivide(shifted, 168) * 168)
        return (hourOfWeek, hourOfDay)
    }
}

/// Seasonal residuals smoothed by an EWMA into an anomaly score.
///
/// The residual r = (x − expected)/scale is smoothed as z ← λ·r + (1 − λ)·z. For
/// independent standard residuals the stationary variance of z is λ/(2 − λ), so
/// the score z/√(λ/(2 − λ)) reads as a z-score: |score| > 3 is unusual at any λ.
/// λ = 0.3 reacts within a few steps while a single spike moves the score by
/// at most 0.3·r/0.42 ≈ 0.7·r, so one bad minute does not page anyone but three
/// do. Residuals are clipped to ±10 so one absurd value cannot pin the score.
///
/// The baseline learns each value after scoring it, but an unusual value (|r| > 3)
/// is learnt as if it were only 3 scales out (a Huber-style update): otherwise an
/// outage would teach the hour's slot that outages are normal within minutes,
/// while a lasting change of level is still absorbed over a few hours.
public struct AnomalyScorer: Sendable {
    public var smoothing: Double
    public private(set) var baseline: SeasonalBaseline
    private var smoothed = 0.0

    public init(smoothing: Double = 0.3, baseline: SeasonalBaseline = SeasonalBaseline()) {
        self.smoothing = smoothing
        self.baseline = baseline
    }

    /// Scores `value` at `time` against the history so far, then learns it. nil while warming up.
    public mutating func observe(_ value: Double, at time: Timestamp) -> Double? {
        guard value.isFinite else { return nil }
        guard let expected = baseline.expectation(at: time) else {
            baseline.update(value, at: time)
            return nil
        }
        let raw = (value - expected.mean) / expected.scale
        let learnt = expected.mean + min(max(raw, -3), 3) * expected.scale
        baseline.update(learnt, at: time)
        let residual = min(max(raw, -10), 10)
        smoothed = smoothing * residual + (1 - smoothing) * smoothed
        return smoothed / (smoothing / (2 - smoothing)).squareRoot()
    }
}
