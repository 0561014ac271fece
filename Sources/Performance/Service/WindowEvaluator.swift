public import InfermonCore

/// What a labelled reference gives the estimates of one model: the isotonic map
/// that calibrates its probabilities and the spread behind the sampling errors.
public struct EstimationReference: Sendable, Equatable {
    public var calibration: IsotonicCalibration?
    public var spread: ReferenceSpread?
    public var events: Int

    public init(calibration: IsotonicCalibration?, spread: ReferenceSpread?, events: Int) {
        self.calibration = calibration
        self.spread = spread
        self.events = events
    }

    /// From a reference window's labelled predictions; nil with fewer than `minimum` labelled events.
    public init?(
        _ predictions: [LabelledPrediction], task: ModelTask, method: PerformanceOptions.CalibrationMethod,
        minimum: Int
    ) {
        let (probabilities, truths) = WindowEvaluator.labelled(predictions, task.isPositive)
        guard probabilities.count >= max(2, minimum) else { return nil }
        calibration =
            method == .isotonic ? IsotonicCalibration(probabilities: probabilities, truths: truths) : nil
        spread = ReferenceSpread(probabilities: probabilities, truths: truths, threshold: task.threshold)
        events = probabilities.count
    }
}

/// One model's performance over one window.
public struct WindowPerformance: Sendable, Equatable {
    public struct Bounds: Sendable, Equatable {
        public var lower: Double
        public var estimate: Double
        public var upper: Double
    }

    public var model: String
    public var task: ModelTask
    public var start: Timestamp
    /// Exclusive; the samples' timestamp.
    public var end: Timestamp
    public var predictions: Int
    public var labelled: Int
    public var classifier: ClassifierPerformance?
    public var regressor: RegressorPerformance?
    public var calibration: Calibration?
    /// CBPE per metric with ±3 sampling errors: from the labelled reference's spread as
    /// NannyML does, or binomial ones from the window itself while there is no reference.
    public var estimated: [String: Bounds]

    /// Realised metrics by series name.
    public var realised: [(String, Double)] {
        var out = classifier?.named ?? regressor?.named ?? []
        if let calibration { out.append(("ece", calibration.ece)) }
        return out
    }
}

/// Turns one window's predictions into performance and into series. Pure, so
/// what the series and the report say can be tested without a store or a clock.
public struct WindowEvaluator: Sendable {
    public var options: PerformanceOptions

    public init(options: PerformanceOptions) { self.options = options }

    public func evaluate(
        model: String, predictions: [LabelledPrediction], start: Timestamp, end: Timestamp,
        reference: EstimationReference?
    ) -> WindowPerformance {
        let task = options.task(for: model)
        var result = WindowPerformance(
            model: model, task: task, start: start, end: end, predictions: predictions.count, labelled: 0,
            estimated: [:])
        switch task.kind {
        case .binaryClassification:
            let (probabilities, truths) = Self.labelled(predictions, task.isPositive)
            result.labelled = probabilities.count
            if probabilities.count >= options.minimumSamples {
                result.classifier = ClassifierPerformance(
                    probabilities: probabilities, truths: truths, threshold: task.threshold)
                result.calibration = Calibration(
                    probabilities: probabilities, truths: truths, binCount: options.calibrationBins,
                    resamples: options.bootstrapResamples, seed: UInt64(bitPattern: start))
            }
            if task.estimate, predictions.count >= options.minimumSamples {
                let scores = predictions.map(\.prediction)
                let calibrated = reference?.calibration.map { map in scores.map { map($0) } }
                if let estimate = ConfidenceBasedEstimate(
                    probabilities: scores, calibrated: calibrated, threshold: task.threshold)
                {
                    for (metric, value) in estimate.named {
                        let error =
                            reference?.spread?.samplingError(metric, count: scores.count)
                            ?? estimate.binomialSamplingError(metric) ?? 0
                        result.estimated[metric] = WindowPerformance.Bounds(
                            lower: max(0, value - 3 * error), estimate: value, upper: min(1, value + 3 * error))
                    }
                }
            }
        case .regression:
            let (values, truths) = Self.labelled(predictions, task.value)
            result.labelled = values.count
            if values.count >= options.minimumSamples {
                result.regressor = RegressorPerformance(predictions: values, truths: truths)
            }
        }
        return result
    }

    /// The predictions whose label can be read as the task's truth, and those truths.
    static func labelled<Truth>(_ predictions: [LabelledPrediction], _ read: (TruthValue) -> Truth?) -> (
        predictions: [Double], truths: [Truth]
    ) {
        var values: [Double] = []
        var truths: [Truth] = []
        for prediction in predictions {
            guard let label = prediction.truth, let truth = read(label) else { continue }
            values.append(prediction.prediction)
            truths.append(truth)
        }
        return (values, truths)
    }

    /// The window's samples, all stamped at its end. A metric without a value (too
    /// few labels, an empty denominator) is left out; labels only accumulate, so a
    /// window's metrics appear as they arrive and are rewritten in place.
    public func samples(_ window: WindowPerformance, length: Int64) -> [(labels: Labels, sample: Sample)] {
        let windowText = TimeParsing.formatDuration(length)
        let base = [Label("model", window.model), Label("window", windowText)]
        let at = window.end
        var out: [(labels: Labels, sample: Sample)] = []
        func add(_ name: String, _ extra: [Label], _ value: Double) {
            out.append((Labels(base + extra + [Label(Labels.metricName, name)]), Sample(at, value)))
        }
        add(PerformanceMetrics.samples, [Label("kind", "predictions")], Double(window.predictions))
        add(PerformanceMetrics.samples, [Label("kind", "labelled")], Double(window.labelled))
        if window.predictions > 0 {
            add(PerformanceMetrics.labelCoverage, [], Double(window.labelled) / Double(window.predictions))
        }
        let realised = Dictionary(window.realised, uniquingKeysWith: { first, _ in first })
        let names =
            window.task.kind == .regression
            ? ["mae", "rmse", "mape"]
            : ["accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "brier", "ece"]
        for metric in names {
            guard let value = realised[metric] else { continue }
            add(PerformanceMetrics.performance, [Label("metric", metric)], value)
        }
        if let calibration = window.calibration {
            for (bound, value) in [
                ("lower", calibration.eceLower), ("estimate", calibration.ece), ("upper", calibration.eceUpper),
            ] {
                add(PerformanceMetrics.calibrationError, [Label("bound", bound)], value)
            }
            for bin in calibration.bins {
                let edge = Self.edgeText(bin.upper)
                add(PerformanceMetrics.reliability, [Label("bin", edge), Label("stat", "predicted")], bin.predicted)
                add(PerformanceMetrics.reliability, [Label("bin", edge), Label("stat", "observed")], bin.observed)
                add(PerformanceMetrics.reliability, [Label("bin", edge), Label("stat", "events")], Double(bin.events))
            }
        }
        for (metric, bounds) in window.estimated.sorted(by: { $0.key < $1.key }) {
            for (bound, value) in [("lower", bounds.lower), ("estimate", bounds.estimate), ("upper", bounds.upper)] {
                add(PerformanceMetrics.estimated, [Label("metric", metric), Label("bound", bound)], value)
            }
        }
        return out
    }

    /// A bin edge as the `bin` label shows it: `0.1`, `0.25`, `1`.
    static func edgeText(_ value: Double) -> String {
        let rounded = (value * 10_000).rounded() / 10_000
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        var text = String(rounded)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }

    /// The windows of `length` that end in `(after, through]`, as start times.
    public static func windowStarts(length: Int64, endingAfter after: Timestamp, through: Timestamp) -> [Timestamp] {
        var starts: [Timestamp] = []
        var end = (floorDivide(after, length) + 1) * length
        while end <= through {
            starts.append(end - length)
            end += length
        }
        return starts
    }
}
