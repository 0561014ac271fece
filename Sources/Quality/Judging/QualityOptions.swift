public import InfermonCore

/// Everything the quality service needs, independent of how it was configured.
public struct QualityOptions: Sendable, Equatable {
    public var sampler: EventSampler
    /// Events are judged only once they are this old, so late fields (feedback) have arrived.
    public var settleTime: Duration
    /// How often the service scans for newly settled events and rewrites the rates.
    public var interval: Duration
    /// Event rows read per scan page.
    public var pageSize: Int
    /// Windows of event time the rates are published over (`window` label).
    public var windows: [Duration]
    /// Below this many decided verdicts (supported + hallucinated) no rate is published.
    public var minimumSamples: Int
    public var groundednessEnabled: Bool
    public var groundedness: GroundednessOptions
    public var feedbackEnabled: Bool
    /// Feedback at or below this counts as a thumbs-down.
    public var thumbsDownAtOrBelow: Double
    /// LLM judge calls in flight at once (the client enforces its own limit as well).
    public var llmConcurrency: Int
    /// Judgments of events older than this are deleted.
    public var judgmentRetention: Duration
    /// Events stamped further than this in the future are judged at once instead
    /// of holding the scan back until they settle.
    public var maximumClockSkew: Duration
    /// Gold verdicts and the scorer's agreement floor (`quality.gold`).
    public var gold: GoldOptions

    public init(
        sampler: EventSampler = EventSampler(defaultRate: 0.05), settleTime: Duration = .seconds(60),
        interval: Duration = .seconds(60),
        pageSize: Int = 5000, windows: [Duration] = [.seconds(3600), .seconds(86_400)], minimumSamples: Int = 30,
        groundednessEnabled: Bool = true, groundedness: GroundednessOptions = GroundednessOptions(),
        feedbackEnabled: Bool = true, thumbsDownAtOrBelow: Double = 0.0, llmConcurrency: Int = 4,
        judgmentRetention: Duration = .seconds(30 * 86_400), maximumClockSkew: Duration = .seconds(300),
        gold: GoldOptions = GoldOptions()
    ) {
        self.sampler = sampler
        self.settleTime = settleTime
        self.interval = interval
        self.pageSize = pageSize
        self.windows = windows
        self.minimumSamples = minimumSamples
        self.groundednessEnabled = groundednessEnabled
        self.groundedness = groundedness
        self.feedbackEnabled = feedbackEnabled
        self.thumbsDownAtOrBelow = thumbsDownAtOrBelow
        self.llmConcurrency = llmConcurrency
        self.judgmentRetention = judgmentRetention
        self.maximumClockSkew = maximumClockSkew
        self.gold = gold
    }
}

/// Series names the quality service writes.
public enum QualityMetrics {
    /// `{method="ppi|gold|scorer", model, route, window, bound="lower|estimate|upper"}`.
    public static let hallucinationRate = "infermon_hallucination_rate"
    /// `{method="gold|scorer", model, route, window}`: decided verdicts behind the rates, published even when too few.
    public static let hallucinationSamples = "infermon_hallucination_samples"
    /// `{model, route, window}`: how many gold labels alone would give the PPI interval's width.
    public static let effectiveSamples = "infermon_hallucination_effective_samples"
    /// `{model, route, window}`: 1 when the scorer agrees with gold at or above the floor, 0 when
    /// below (no scorer-only rate then); absent while too few gold labels.
    public static let rateCalibrated = "infermon_hallucination_rate_calibrated"
    /// `{model, route, window, measure="kappa|false_positive_rate|false_negative_rate"}`: scorer against gold.
    public static let agreement = "infermon_hallucination_scorer_agreement"
    /// `{name, state="joined|pending|orphaned|never_labelled"}`: truth labels against judged events.
    public static let truthLabels = "infermon_truth_labels"
    /// `{model, route, window, bound}`: share of sampled responses with a thumbs-down.
    public static let thumbsDownRate = "infermon_feedback_thumbs_down_rate"
    public static let thumbsDownSamples = "infermon_feedback_thumbs_down_samples"
    /// `{judge, model}`: judge calls that failed and were recorded as unknown.
    public static let judgeErrors = "infermon_judge_errors_total"
    /// `{judge}`: what the LLM judge has cost, in USD.
    public static let judgeCost = "infermon_judge_cost_usd_total"

    public static let groundednessJudge = "groundedness"
    public static let feedbackJudge = "feedback"
}

/// The user-feedback judge: a response with feedback at or below the threshold
/// (0 is a thumbs-down) counts as "hallucinated" in the feedback rate's terms,
/// any other feedback as "supported". Events without feedback are not judged.
public enum FeedbackJudge {
    public static func judge(feedback: Double?, thumbsDownAtOrBelow: Double) -> JudgeOutcome? {
        guard let feedback, feedback.isFinite else { return nil }
        let clamped = min(1, max(0, feedback))
        if clamped <= thumbsDownAtOrBelow {
            return JudgeOutcome(verdict: .hallucinated, score: 1 - clamped, reason: "user feedback \(clamped)")
        }
        return JudgeOutcome(verdict: .supported, score: 1 - clamped, reason: "user feedback \(clamped)")
    }
}
