public import InfermonCore

/// Turns verdict counts into the published rate series. Pure, so what a rule
/// will see can be tested without a store or a clock.
public struct RateSeries: Sendable {
    public var minimumSamples: Int

    public init(minimumSamples: Int) { self.minimumSamples = minimumSamples }

    /// Samples at `timestamp` for one window: always the sample count, and the
    /// three bounds only when there are at least `minimumSamples` decided
    /// verdicts ("not enough data" otherwise). Unknown verdicts count in neither.
    public func samples(_ counts: [VerdictCounts], window: Int64, at timestamp: Timestamp)
        -> [(labels: Labels, sample: Sample)]
    {
        var out: [(labels: Labels, sample: Sample)] = []
        let windowText = TimeParsing.formatDuration(window)
        for count in counts {
            let isFeedback = count.judge == QualityMetrics.feedbackJudge
            let base: [Label] =
                isFeedback
                ? [Label("model", count.model), Label("route", count.route), Label("window", windowText)]
                : [
                    Label("judge", count.judge), Label("model", count.model), Label("route", count.route),
                    Label("window", windowText),
                ]
            let rateName = isFeedback ? QualityMetrics.thumbsDownRate : QualityMetrics.hallucinationRate
            let countName = isFeedback ? QualityMetrics.thumbsDownSamples : QualityMetrics.hallucinationSamples
            let trials = count.supported + count.hallucinated
            out.append((Labels(base + [Label(Labels.metricName, countName)]), Sample(timestamp, Double(trials))))
            guard
                case .interval(let interval) = RateEstimate(
                    successes: count.hallucinated, trials: trials, minimumTrials: minimumSamples)
            else { continue }
            for (bound, value) in [
                ("lower", interval.lower), ("estimate", interval.estimate), ("upper", interval.upper),
            ] {
                let labels = Labels(base + [Label(Labels.metricName, rateName), Label("bound", bound)])
                out.append((labels, Sample(timestamp, value)))
            }
        }
        return out
    }

    /// The label sets of rate series (not counts) among `samples`: these get a
    /// stale marker when a later pass no longer publishes them.
    public static func rateLabels(_ samples: [(labels: Labels, sample: Sample)]) -> Set<Labels> {
        Set(
            samples.map(\.labels).filter {
                [
                    QualityMetrics.hallucinationRate, QualityMetrics.thumbsDownRate, QualityMetrics.rateCalibrated,
                    QualityMetrics.agreement, QualityMetrics.effectiveSamples,
                ].contains($0.name)
            })
    }
}
