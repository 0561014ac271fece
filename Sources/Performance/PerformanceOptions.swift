public import InfermonCore

/// What a model predicts and how its truth is read.
public struct ModelTask: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// `prediction` is the probability of the positive class.
        case binaryClassification = "binary_classification"
        /// `prediction` is the predicted value.
        case regression
    }

    public var kind: Kind
    /// A probability at or above this predicts the positive class.
    public var threshold: Double
    /// The truth value (as text) that is the positive class; nil reads 1/true/yes/positive.
    public var positive: String?
    /// Publish confidence-based estimates (CBPE) while labels are missing: sound only
    /// when the probabilities are calibrated, or calibrated on the reference.
    public var estimate: Bool

    public init(
        kind: Kind = .binaryClassification, threshold: Double = 0.5, positive: String? = nil, estimate: Bool = true
    ) {
        self.kind = kind
        self.threshold = threshold
        self.positive = positive
        self.estimate = estimate
    }

    /// The truth as the positive class or not; nil when it cannot be read.
    public func isPositive(_ truth: TruthValue) -> Bool? {
        switch truth {
        case .bool(let flag): return flag
        case .number(let number):
            if let positive, let wanted = Double(positive) { return number == wanted }
            return number.isFinite ? number != 0 : nil
        case .string(let text):
            if let positive { return text == positive }
            switch text.lowercased() {
            case "1", "true", "yes", "positive": return true
            case "0", "false", "no", "negative": return false
            default: return nil
            }
        }
    }

    /// The truth as a number for a regressor; nil when it is not one.
    public func value(_ truth: TruthValue) -> Double? {
        switch truth {
        case .bool(let flag): return flag ? 1 : 0
        case .number(let number): return number.isFinite ? number : nil
        case .string(let text): return Double(text).flatMap { $0.isFinite ? $0 : nil }
        }
    }
}

/// Everything the performance stage needs, independent of how it was configured.
public struct PerformanceOptions: Sendable, Equatable {
    public enum CalibrationMethod: String, Sendable, CaseIterable {
        /// Fit an isotonic map on the labelled reference before estimating (NannyML's default).
        case isotonic
        /// Take the model's probabilities as calibrated.
        case none
    }

    public var enabled: Bool
    /// The truth label name joined to prediction events.
    public var labelName: String
    /// How late a label may arrive after its prediction (and how long one waits for its event).
    public var horizon: Duration
    /// How often the stage recomputes what changed.
    public var interval: Duration
    /// Window lengths (aligned to multiples of their length); each sample is stamped at its window's end.
    public var windows: [Duration]
    /// Below this many labelled events (or predictions, for estimates) a window publishes no metric.
    public var minimumSamples: Int
    public var calibrationBins: Int
    public var bootstrapResamples: Int
    /// The labelled reference for estimates: this long, ending where the horizon starts.
    public var referenceLength: Duration
    public var calibration: CalibrationMethod
    /// Tasks per model; models not listed take `defaultTask`.
    public var models: [String: ModelTask]
    public var defaultTask: ModelTask
    /// Labels of this name received longer ago than this are deleted.
    public var labelRetention: Duration

    public init(
        enabled: Bool = true, labelName: String = TruthLabel.defaultOutcomeName,
        horizon: Duration = .seconds(7 * 86_400),
        interval: Duration = .seconds(300), windows: [Duration] = [.seconds(3_600), .seconds(86_400)],
        minimumSamples: Int = 30,
        calibrationBins: Int = 10, bootstrapResamples: Int = 200, referenceLength: Duration = .seconds(7 * 86_400),
        calibration: CalibrationMethod = .isotonic, models: [String: ModelTask] = [:],
        defaultTask: ModelTask = ModelTask(), labelRetention: Duration = .seconds(30 * 86_400)
    ) {
        self.enabled = enabled
        self.labelName = labelName
        self.horizon = horizon
        self.interval = interval
        self.windows = windows
        self.minimumSamples = minimumSamples
        self.calibrationBins = calibrationBins
        self.bootstrapResamples = bootstrapResamples
        self.referenceLength = referenceLength
        self.calibration = calibration
        self.models = models
        self.defaultTask = defaultTask
        self.labelRetention = labelRetention
    }

    public func task(for model: String) -> ModelTask { models[model] ?? defaultTask }
}

/// Series names the performance stage writes (see README "Model performance").
public enum PerformanceMetrics {
    /// `{model, window, metric}`: realised, backfilled into the prediction's window.
    public static let performance = "infermon_model_performance"
    /// `{model, window, bound="lower|estimate|upper"}`: expected calibration error with its bootstrap interval.
    public static let calibrationError = "infermon_model_calibration_error"
    /// `{model, window, bin, stat="predicted|observed|events"}`: the reliability curve.
    public static let reliability = "infermon_model_reliability"
    /// `{model, window, kind="predictions|labelled"}`.
    public static let samples = "infermon_model_performance_samples"
    /// `{model, window, metric, bound="lower|estimate|upper"}`: CBPE while labels are missing.
    public static let estimated = "infermon_model_performance_estimated"
    /// `{model, window}`: share of the window's predictions with a label.
    public static let labelCoverage = "infermon_performance_label_coverage"
    /// `{name, state}`: the same gauge the quality stage writes for its gold labels.
    public static let truthLabels = "infermon_truth_labels"
}
