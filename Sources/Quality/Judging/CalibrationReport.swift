public import InfermonCore

/// What `infermon quality calibrate` shows and stores for one model and route:
/// the scorer's operating point against gold as it runs now, the fitted
/// calibration, and the operating point with it. Pure, so the numbers a user
/// reads are tested without a store.
public struct CalibrationReport: Sendable {
    public var model: String
    public var route: String
    /// Gold-labelled events the scorer decided on.
    public var pairs: Int
    public var before: ScorerAgreement
    /// The threshold the scorer runs with now (the stored calibration's, or the configured one).
    public var beforeThreshold: Double
    /// Nil when the pairs cannot support a fit (fewer than 10, or one class only).
    public var calibration: ScoreCalibration?
    public var after: ScorerAgreement?

    /// `events` of one model and route; `current` is the calibration in use, if any.
    public init(
        model: String, route: String, events: [ScoredEvent], current: ScoreCalibration?, configuredThreshold: Double,
        now: Timestamp
    ) {
        self.model = model
        self.route = route
        var scores: [Double] = []
        var gold: [Bool] = []
        var before = ScorerAgreement()
        for event in events {
            guard let truth = event.gold, let score = event.score, event.verdict != .unknown else { continue }
            let call = current.map { $0.call(score) } ?? (event.verdict == .hallucinated)
            before.add(gold: truth >= 0.5, scorer: call)
            scores.append(score)
            gold.append(truth >= 0.5)
        }
        pairs = scores.count
        self.before = before
        beforeThreshold = current?.threshold ?? configuredThreshold
        calibration = ScoreCalibration.fit(model: model, route: route, scores: scores, gold: gold, fittedAt: now)
        after = calibration.map { fitted in ScorerAgreement(gold: gold, scorer: scores.map { fitted.call($0) }) }
    }

    /// Lines for a terminal: the operating point before and after, with 95 % intervals.
    public func render() -> [String] {
        var lines = ["\(model) \(route): \(pairs) gold-labelled events scored"]
        lines.append("  before (threshold \(Self.format(beforeThreshold))): " + Self.describe(before))
        guard let calibration, let after else {
            lines.append("  no fit: needs at least 10 pairs with both hallucinated and supported gold")
            return lines
        }
        lines.append("  after  (threshold \(Self.format(calibration.threshold))): " + Self.describe(after))
        lines.append(
            "  logistic: P(hallucinated) = 1 / (1 + exp(-(\(Self.format(calibration.intercept)) + \(Self.format(calibration.slope)) * score)))"
        )
        return lines
    }

    static func describe(_ agreement: ScorerAgreement) -> String {
        let kappa = agreement.kappa.map { format($0) } ?? "n/a"
        return "TPR \(rate(agreement.truePositiveRate)), FPR \(rate(agreement.falsePositiveRate)), "
            + "precision \(rate(agreement.precision)), kappa \(kappa)"
    }

    static func rate(_ estimate: RateEstimate) -> String {
        guard case .interval(let interval) = estimate else { return "n/a" }
        return "\(format(interval.estimate)) [\(format(interval.lower)), \(format(interval.upper))]"
    }

    static func format(_ value: Double) -> String {
        let scaled = (value * 1000).rounded() / 1000
        return "\(scaled)"
    }
}
