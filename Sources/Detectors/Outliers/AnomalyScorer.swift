import InfermonCore

/// Seasonal residuals smoothed by an EWMA into an anomaly score.
///
/// The residual r = (x − expected)/scale is smoothed as z ← λ·r + (1 − λ)·z. For
/// independent standard residuals the stationary variance of z is λ/(2 − λ), so
/// the score z/√(λ/(2 − λ)) reads as a z-score: |score| > 3 is unusual at any λ.
/// λ = 0.3 reacts within a few steps while a single spike moves the score by
/// at most 0.3·r/0.42 ≈ 0.7·r, so one bad minute does not page anyone but three
/// do. Residuals are clipped to ±10 so one absurd value cannot pin the score.
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
        defer { baseline.update(value, at: time) }
        guard let expected = baseline.expectation(at: time) else { return nil }
        let residual = min(max((value - expected.mean) / expected.scale, -10), 10)
        smoothed = smoothing * residual + (1 - smoothing) * smoothed
        return smoothed / (smoothing / (2 - smoothing)).squareRoot()
    }
}
