import InfermonCore
public import InfermonYAML

/// The `performance:` section, read by the stage that owns it.
///
/// ```yaml
/// performance:
///   enabled: true
///   label: outcome            # truth label name joined to prediction events by request_id
///   horizon: 7d               # how late a label may come (and how long one waits for its event)
///   interval: 5m
///   windows: [1h, 1d]
///   min_samples: 30
///   calibration_bins: 10
///   bootstrap_resamples: 200
///   reference: 7d             # labelled predictions before the horizon, for CBPE
///   calibration: isotonic     # isotonic | none
///   label_retention: 30d
///   default_task: {task: binary_classification, threshold: 0.5}
///   models:
///     - {model: churn, task: binary_classification, threshold: 0.4, positive: "churned", estimate: true}
///     - {model: price, task: regression}
/// ```
extension PerformanceOptions {
    public static let keys: Set<String> = [
        "enabled", "label", "horizon", "interval", "windows", "min_samples", "calibration_bins",
        "bootstrap_resamples", "reference", "calibration", "label_retention", "default_task", "models",
    ]

    public init(yaml value: YAMLValue) throws {
        self.init()
        let map = try value.mapping(allowed: Self.keys)
        if let enabled = map["enabled"] { self.enabled = try enabled.bool() }
        if let label = map["label"] {
            labelName = try label.string()
            guard !labelName.isEmpty else { throw label.error("the label name must not be empty") }
        }
        if let horizon = map["horizon"] { self.horizon = try horizon.positiveDuration() }
        if let interval = map["interval"] { self.interval = try interval.positiveDuration() }
        if let windows = map["windows"] {
            self.windows = try windows.sequenceOrSingle().map { try $0.positiveDuration() }
            guard !self.windows.isEmpty else { throw windows.error("at least one window is needed") }
        }
        if let minimum = map["min_samples"] { minimumSamples = try minimum.int(in: 2...10_000_000) }
        if let bins = map["calibration_bins"] { calibrationBins = try bins.int(in: 2...1000) }
        if let resamples = map["bootstrap_resamples"] { bootstrapResamples = try resamples.int(in: 0...100_000) }
        if let reference = map["reference"] { referenceLength = try reference.positiveDuration() }
        if let calibration = map["calibration"] { self.calibration = try calibration.oneOf(CalibrationMethod.self) }
        if let retention = map["label_retention"] { labelRetention = try retention.positiveDuration() }
        if let task = map["default_task"] { defaultTask = try Self.task(task, needsModel: false).task }
        if let models = map["models"] {
            for item in try models.sequence() {
                let (model, task) = try Self.task(item, needsModel: true)
                guard let model, self.models[model] == nil else { throw item.error("each model is listed once") }
                self.models[model] = task
            }
        }
    }

    static func task(_ value: YAMLValue, needsModel: Bool) throws -> (model: String?, task: ModelTask) {
        let fields = try value.mapping(allowed: ["model", "task", "threshold", "positive", "estimate"])
        var task = ModelTask()
        let model = try fields["model"]?.string()
        if needsModel, model == nil { throw value.error("each entry of performance.models needs a model") }
        if let kind = fields["task"] { task.kind = try kind.oneOf(ModelTask.Kind.self) }
        if let threshold = fields["threshold"] { task.threshold = try threshold.share() }
        if let positive = fields["positive"] { task.positive = try positive.string() }
        if let estimate = fields["estimate"] { task.estimate = try estimate.bool() }
        return (model, task)
    }
}
