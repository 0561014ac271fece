import InfermonCore

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
