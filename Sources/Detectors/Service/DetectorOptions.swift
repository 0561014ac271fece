public import InfermonCore

/// What the scheduled detectors compare and how often.
public struct DetectorOptions: Sendable, Equatable {
    /// Where the reference window comes from.
    public enum Reference: Sendable, Equatable {
        /// The period of this length that ends where the current window starts.
        case previousPeriod(length: Duration)
        /// A fixed time range (epoch milliseconds, inclusive).
        case fixed(from: Timestamp, through: Timestamp)
        /// A baseline saved with `infermon baseline save`.
        case baseline(name: String)
    }

    /// Whether `infermon serve` runs the scheduled detectors; the service itself does not look.
    public var enabled = true
    /// Time between evaluations, and the step over which outlier, anomaly and quality series are computed.
    public var interval: Duration = .seconds(60)
    /// Length of the current window that drift is measured on.
    public var window: Duration = .seconds(3600)
    public var reference: Reference = .previousPeriod(length: .seconds(86_400))
    public var drift = DriftSettings()
    /// Labels (tenant, route, model_version) drift is also measured per value of,
    /// within each model: `infermon_drift_*{model, tenant="acme", …}`.
    public var groupBy: [String] = []
    /// The labels `groupBy` may name.
    public static let groupableLabels = ["tenant", "route", "model_version"]
    /// Fields left out of drift (names as in `FieldExtraction`, or `features.<key>`).
    public var excludedFields: Set<String> = []
    /// |modified z| above which an event is an outlier.
    public var outlierCut = OutlierRate.defaultCut
    /// EWMA weight of the anomaly score.
    public var anomalySmoothing = 0.3
    public var seasonal = SeasonalBaseline.Settings()
    public var changePoint = CUSUMDetector.Settings()
    /// Feature key holding an LLM-judge score, for the `judge_score` quality series.
    public var judgeScoreFeature = "judge_score"
    /// Cap on events read per model and window, newest kept.
    public var maximumEventsPerModel = 200_000
    /// Characters of each response read for refusal detection.
    public var responsePrefixLength = 120

    public init() {}
}

/// Names of the series the detectors write.
public enum DetectorMetrics {
    public static let driftScore = "infermon_drift_score"
    public static let driftPValue = "infermon_drift_pvalue"
    public static let driftDetected = "infermon_drift_detected"
    public static let outlierRate = "infermon_outlier_rate"
    public static let anomalyScore = "infermon_anomaly_score"
    public static let changePoint = "infermon_changepoint"
}
