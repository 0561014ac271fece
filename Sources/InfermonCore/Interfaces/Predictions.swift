/// One event with a numeric prediction (a classifier's probability of the positive
/// class, or a regressor's value) and, once it arrived, its ground truth.
public struct LabelledPrediction: Sendable, Hashable {
    public var timestamp: Timestamp
    public var model: String
    public var prediction: Double
    /// The truth: the event's own `label`, else the newest truth label joined by request
    /// id within the horizon; nil while none has arrived.
    public var truth: TruthValue?

    public init(timestamp: Timestamp, model: String, prediction: Double, truth: TruthValue?) {
        self.timestamp = timestamp
        self.model = model
        self.prediction = prediction
        self.truth = truth
    }
}

/// The read side the performance stage needs: predictions joined with their late labels.
public protocol PredictionStore: Sendable {
    /// Events with a numeric prediction and `from <= timestamp <= through` (all models
    /// when `model` is nil), in time order, each with the event's own label or else
    /// the newest truth label named `labelName` received within `horizon` of the event.
    func labelledPredictions(labelName: String, horizon: Int64, from: Timestamp, through: Timestamp, model: String?)
        async throws -> [LabelledPrediction]
    /// Times of the prediction events that labels named `labelName` received since
    /// `since` joined: the windows a pass must recompute.
    func predictionTimesLabelled(labelName: String, receivedSince since: Timestamp) async throws -> [Timestamp]
    /// Join state of labels named `labelName` against prediction events (not judged events).
    func predictionLabelCounts(labelName: String, horizon: Int64, now: Timestamp) async throws -> TruthLabelCounts
    /// Deletes labels named `labelName` received before `before`; returns how many.
    func pruneLabels(named labelName: String, before: Timestamp) async throws -> Int
}

/// Where series that are rewritten after the fact go: a sample replaces an
/// earlier sample of the same series at the same timestamp, and may be older
/// than the series' newest sample (late labels backfill the window of the prediction).
public protocol BackfillAppender: Sendable {
    func upsert(_ samples: [(labels: Labels, sample: Sample)]) async throws
}
