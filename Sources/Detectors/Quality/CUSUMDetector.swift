/// Two-sided tabular CUSUM for slow shifts in a quality series (feedback score,
/// judge score, refusal, empty-response and truncation rates), which a threshold
/// on the value itself never catches.
///
/// The first `warmup` observations fix the in-control mean μ₀ and scale σ₀ (the
/// scale floored at `minimumScale`, so a series that was constant does not turn
/// every later wiggle into infinity). Then, on standardised x' = (x − μ₀)/σ₀,
///
///     S⁺ ← max(0, S⁺ + x' − k),   S⁻ ← max(0, S⁻ − x' − k),
///
/// and a change is signalled when either exceeds h; the detector then re-learns
/// its baseline from the next `warmup` observations. With k = 0.5, h = 8
/// (defaults), Siegmund's approximation gives an in-control average run length of
/// about 9,500 steps between false signals (both sides together) and a mean delay
/// of about 16 steps for a 1σ shift (about 6 for 2σ).
public struct CUSUMDetector: Sendable {
    public struct Settings: Sendable, Equatable {
        public var k = 0.5
        public var h = 8.0
        public var warmup = 20
        public var minimumScale = 0.01
        public init() {}
    }

    public enum Direction: String, Sendable { case up, down }

    public let settings: Settings
    private var warmupValues: [Double] = []
    private var mean = 0.0
    private var scale = 1.0
    private var upper = 0.0
    private var lower = 0.0

    public init(settings: Settings = Settings()) { self.settings = settings }

    public var isWarmingUp: Bool { warmupValues.count < settings.warmup }
    /// The larger of the two sums, in units of h (≥ 1 means a change).
    public var statistic: Double { max(upper, lower) / settings.h }

    /// Feeds one value; returns the direction of a change signalled by it.
    public mutating func observe(_ value: Double) -> Direction? {
        guard value.isFinite else { return nil }
        if isWarmingUp {
            warmupValues.append(value)
            if !isWarmingUp {
                let count = Double(warmupValues.count)
                mean = warmupValues.reduce(0, +) / count
                let squares = warmupValues.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
                scale = max((squares / max(count - 1, 1)).squareRoot(), settings.minimumScale)
            }
            return nil
        }
        let standardized = (value - mean) / scale
        upper = max(0, upper + standardized - settings.k)
        lower = max(0, lower - standardized - settings.k)
        guard upper > settings.h || lower > settings.h else { return nil }
        let direction: Direction = upper > settings.h ? .up : .down
        upper = 0
        lower = 0
        warmupValues.removeAll(keepingCapacity: true)
        return direction
    }
}
