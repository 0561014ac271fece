public import InfermonCore

/// Turns one window's scored and gold-labelled events into the published
/// hallucination-rate series, per model and route. Pure, so what a rule will
/// see can be tested without a store or a clock.
///
/// Three estimates of one rate, told apart by `method`:
/// - `ppi`: the prediction-powered estimate (scorer on every sampled event,
///   corrected by the gold subset), valid whatever the scorer's quality;
/// - `gold`: the gold verdicts alone, with the Wilson interval;
/// - `scorer`: the scorer's calls alone, with the Wilson interval — withheld
///   when the scorer's agreement with gold (Cohen's κ) is below the floor, as a
///   wrong number with a narrow interval is worse than none.
public struct HallucinationEstimates: Sendable {
    public var gold: GoldOptions
    /// Below this many decided scorer verdicts no scorer-only rate is published.
    public var minimumSamples: Int
    /// Fitted calibrations by model and route.
    public var calibrations: [RouteKey: ScoreCalibration]

    public struct RouteKey: Sendable, Hashable, Comparable {
        public var model: String
        public var route: String
        public init(model: String, route: String) {
            self.model = model
            self.route = route
        }
        public static func < (a: RouteKey, b: RouteKey) -> Bool { (a.model, a.route) < (b.model, b.route) }
    }

    public init(gold: GoldOptions, minimumSamples: Int, calibrations: [RouteKey: ScoreCalibration] = [:]) {
        self.gold = gold
        self.minimumSamples = minimumSamples
        self.calibrations = calibrations
    }

    /// The per-route figures behind the series, for the series and for `infermon quality calibrate`.
    public struct RouteSummary: Sendable {
        public var ppi: PredictionPoweredMean.Result?
        public var gold: RateEstimate
        public var scorer: RateEstimate
        public var agreement: ScorerAgreement
        /// Nil while there are too few gold-and-scored events to judge the scorer.
        public var calibrated: Bool?
    }

    public func summarize(_ events: [ScoredEvent]) -> [RouteKey: RouteSummary] {
        var groups: [RouteKey: [ScoredEvent]] = [:]
        for event in events { groups[RouteKey(model: event.model, route: event.route), default: []].append(event) }
        var result: [RouteKey: RouteSummary] = [:]
        for (key, events) in groups {
            let calibration = calibrations[key]
            var pairs = PairedMoments()
            var unlabelled = Moments()
            var agreement = ScorerAgreement()
            var goldPositives = 0
            var goldCount = 0
            var calls = 0
            var positiveCalls = 0
            for event in events {
                let prediction = Self.prediction(event, calibration: calibration)
                let call = Self.call(event, calibration: calibration)
                if let call {
                    calls += 1
                    if call { positiveCalls += 1 }
                }
                if let truth = event.gold {
                    goldCount += 1
                    if truth >= 0.5 { goldPositives += 1 }
                    if let prediction { pairs.add(gold: truth, prediction: prediction) }
                    if let call { agreement.add(gold: truth >= 0.5, scorer: call) }
                } else if let prediction {
                    unlabelled.add(prediction)
                }
            }
            let measured = agreement.count >= gold.minimumLabels
            let calibrated: Bool? = measured ? (agreement.kappa ?? 0) >= gold.agreementFloor : nil
            result[key] = RouteSummary(
                ppi: pairs.count >= gold.minimumLabels
                    ? PredictionPoweredMean.estimate(gold: pairs, unlabelled: unlabelled) : nil,
                gold: RateEstimate(successes: goldPositives, trials: goldCount, minimumTrials: gold.minimumLabels),
                scorer: RateEstimate(successes: positiveCalls, trials: calls, minimumTrials: minimumSamples),
                agreement: agreement, calibrated: calibrated)
        }
        return result
    }

    /// The scorer's prediction for the estimator: the calibrated probability
    /// where a calibration exists, else its 0/1 call; nil when it did not decide.
    static func prediction(_ event: ScoredEvent, calibration: ScoreCalibration?) -> Double? {
        if let calibration, let score = event.score, event.verdict != .unknown { return calibration.probability(score) }
        return call(event, calibration: nil).map { $0 ? 1 : 0 }
    }

    static func call(_ event: ScoredEvent, calibration: ScoreCalibration?) -> Bool? {
        guard event.verdict != .unknown else { return nil }
        if let calibration, let score = event.score { return calibration.call(score) }
        return event.verdict == .hallucinated
    }

    /// The window's samples at `timestamp`.
    public func samples(_ events: [ScoredEvent], window: Int64, at timestamp: Timestamp)
        -> [(labels: Labels, sample: Sample)]
    {
        var out: [(labels: Labels, sample: Sample)] = []
        let windowText = TimeParsing.formatDuration(window)
        for (key, summary) in summarize(events).sorted(by: { $0.key < $1.key }) {
            let base = [Label("model", key.model), Label("route", key.route), Label("window", windowText)]
            func emit(_ name: String, _ extra: [Label], _ value: Double) {
                out.append((Labels(base + extra + [Label(Labels.metricName, name)]), Sample(timestamp, value)))
            }
            func emitRate(_ method: String, _ interval: MeanInterval) {
                for (bound, value) in [
                    ("lower", interval.lower), ("estimate", interval.estimate), ("upper", interval.upper),
                ] {
                    emit(QualityMetrics.hallucinationRate, [Label("method", method), Label("bound", bound)], value)
                }
            }
            emit(QualityMetrics.hallucinationSamples, [Label("method", "gold")], Double(summary.gold.trials))
            emit(QualityMetrics.hallucinationSamples, [Label("method", "scorer")], Double(summary.scorer.trials))
            if let ppi = summary.ppi {
                emitRate("ppi", ppi.interval)
                emit(QualityMetrics.effectiveSamples, [], ppi.effectiveSampleSize)
            }
            if case .interval(let wilson) = summary.gold {
                emitRate("gold", MeanInterval(lower: wilson.lower, estimate: wilson.estimate, upper: wilson.upper))
            }
            if let calibrated = summary.calibrated {
                emit(QualityMetrics.rateCalibrated, [], calibrated ? 1 : 0)
                if let kappa = summary.agreement.kappa {
                    emit(QualityMetrics.agreement, [Label("measure", "kappa")], kappa)
                }
                if let rate = summary.agreement.falsePositiveRate.estimate {
                    emit(QualityMetrics.agreement, [Label("measure", "false_positive_rate")], rate)
                }
                if let rate = summary.agreement.falseNegativeRate.estimate {
                    emit(QualityMetrics.agreement, [Label("measure", "false_negative_rate")], rate)
                }
            }
            if summary.calibrated != false, case .interval(let wilson) = summary.scorer {
                emitRate("scorer", MeanInterval(lower: wilson.lower, estimate: wilson.estimate, upper: wilson.upper))
            }
        }
        return out
    }
}

/// What counts as gold and how the scorer is held to it (`quality.gold`).
public struct GoldOptions: Sendable, Equatable {
    /// Label sources and judges, first match wins; `judge` is the LLM judge.
    public var sources: [String]
    /// The name gold labels carry in `POST /api/v1/labels`.
    public var labelName: String
    /// Gold labels needed before a PPI or gold-only rate, and before the scorer's agreement is judged.
    public var minimumLabels: Int
    /// Cohen's κ below which a route's scorer-only rate is withheld.
    public var agreementFloor: Double
    /// How long a label waits for its event before it counts as orphaned.
    public var horizon: Duration

    public init(
        sources: [String] = ["human", "judge"], labelName: String = "hallucinated", minimumLabels: Int = 30,
        agreementFloor: Double = 0.4, horizon: Duration = .seconds(7 * 86_400)
    ) {
        self.sources = sources
        self.labelName = labelName
        self.minimumLabels = minimumLabels
        self.agreementFloor = agreementFloor
        self.horizon = horizon
    }
}
