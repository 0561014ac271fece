/// Two-sided tabular CUSUM for slow shifts in a quality series (feedback score,
/// judge score, refusal, empty-response and truncation rates), which a threshold
/// on the value itself never catches.
///
/// Self-starting (Hawkins, 1987): each value is standardised against the mean
/// and deviation of the values before it since the last restart, not against a
/// warm-up's estimate. The earlier version fixed μ₀ and σ₀ from 20 values; their
/// estimation error alone made false signals ten times more frequent than the
/// stated run length (median 835 steps on N(0,1) input, one in five within 100).
/// Here, with n values seen, mean x̄ and deviation s of the first n − 1,
///
///     T = (x − x̄) / s · √((n − 1)/n)
///
/// follows Student's t with n − 2 degrees of freedom when the series is in
/// control and roughly normal, and U = Φ⁻¹(F_t(T)) is exactly N(0, 1); the sums
///
///     S⁺ ← max(0, S⁺ + U − k),   S⁻ ← max(0, S⁻ − U − k)
///
/// run on U and signal when either exceeds h. The detector then restarts. With
/// k = 0.5 and h = 8 the in-control run length is what Siegmund's approximation
/// gives for known parameters, about 9,500 steps between false signals; a
/// seeded simulation (`infermon-bench changepoint`) measures it and the delay.
/// The sums start after `warmup` values, which only feed the estimates.
public struct CUSUMDetector: Sendable {
    public struct Settings: Sendable, Equatable {
        public var k = 0.5
        public var h = 8.0
        /// Values that only feed the estimates before the sums start (at least 3).
        public var warmup = 20
        /// A floor for the deviation, so a series that was constant does not turn
        /// every later wiggle into infinity.
        public var minimumScale = 0.01
        public init() {}
    }

    public enum Direction: String, Sendable { case up, down }

    public let settings: Settings
    private var count = 0
    private var mean = 0.0
    private var squares = 0.0
    private var upper = 0.0
    private var lower = 0.0

    public init(settings: Settings = Settings()) { self.settings = settings }

    public var isWarmingUp: Bool { count < max(settings.warmup, 3) }
    /// The larger of the two sums, in units of h (≥ 1 means a change).
    public var statistic: Double { max(upper, lower) / settings.h }

    /// Feeds one value; returns the direction of a change signalled by it.
    public mutating func observe(_ value: Double) -> Direction? {
        guard value.isFinite else { return nil }
        let wasWarmingUp = isWarmingUp
        let standardized = count >= 2 ? normalScore(value) : 0
        // Welford's update, after the value was scored against what came before it.
        count += 1
        let delta = value - mean
        mean += delta / Double(count)
        squares += delta * (value - mean)
        guard !wasWarmingUp else { return nil }
        upper = max(0, upper + standardized - settings.k)
        lower = max(0, lower - standardized - settings.k)
        guard upper > settings.h || lower > settings.h else { return nil }
        let direction: Direction = upper > settings.h ? .up : .down
        restart()
        return direction
    }

    /// U for `value` given the `count` values before it.
    private func normalScore(_ value: Double) -> Double {
        let n = Double(count + 1)
        let deviation = max((squares / Double(count - 1)).squareRoot(), settings.minimumScale)
        let t = (value - mean) / deviation * ((n - 1) / n).squareRoot()
        let degrees = n - 2
        // Past a few hundred degrees of freedom t is normal to well under 1e-3.
        if degrees > 500 { return t }
        let p = SpecialFunctions.studentTCDF(t, degrees: degrees)
        // Keep the score finite where the tail probability underflows.
        return SpecialFunctions.normalQuantile(min(max(p, 1e-300), 1 - 1e-16))
    }

    private mutating func restart() {
        count = 0
        mean = 0
        squares = 0
        upper = 0
        lower = 0
    }
}
