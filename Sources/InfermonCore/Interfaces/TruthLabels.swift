/// A label's value as it arrived: a verdict, a class, a number.
public enum TruthValue: Sendable, Hashable {
    case bool(Bool)
    case number(Double)
    case string(String)

    /// The value as a number in [0, 1] for a rate: booleans are 0/1, numbers are
    /// clamped, and the words a reviewer writes (`true`, `yes`, `hallucinated`,
    /// `1` against `false`, `no`, `supported`, `0`) are read; anything else is nil.
    public var unitValue: Double? {
        switch self {
        case .bool(let flag): return flag ? 1 : 0
        case .number(let number): return number.isFinite ? min(1, max(0, number)) : nil
        case .string(let text):
            switch text.lowercased() {
            case "true", "yes", "hallucinated", "unsupported", "1": return 1
            case "false", "no", "supported", "grounded", "faithful", "0": return 0
            default: return Double(text).map { min(1, max(0, $0)) }
            }
        }
    }
}

/// One ground-truth label for one request, arriving on its own and possibly
/// long after the request: a human review, a chargeback, a click. It is joined
/// to the event by `requestID`, whichever of the two arrives first.
public struct TruthLabel: Sendable, Hashable {
    public var requestID: String
    /// What is labelled (`hallucinated` for the quality stage's gold labels).
    public var name: String
    public var value: TruthValue
    /// Who labelled it (`human`, `feedback`, a tool's name); gold sources are chosen in `quality.gold`.
    public var source: String
    public var receivedAt: Timestamp

    /// The name of delayed ground truth for model performance (`performance.label`'s default).
    public static let defaultOutcomeName = "outcome"

    public init(requestID: String, name: String, value: TruthValue, source: String, receivedAt: Timestamp) {
        self.requestID = requestID
        self.name = name
        self.value = value
        self.source = source
        self.receivedAt = receivedAt
    }
}

/// What a truth label that gives no `name` is called: the one label name the
/// configuration joins, or none, and then the name is required and `missing`
/// tells the sender which names there are.
public struct TruthLabelNaming: Sendable, Equatable {
    public var defaultName: String?
    /// Why a label without a name is refused, when there is no default.
    public var missing: String

    public init(defaultName: String?, missing: String = "give the label's name") {
        self.defaultName = defaultName
        self.missing = missing
    }

    /// Every label without a name gets `name`.
    public static func fixed(_ name: String) -> TruthLabelNaming { TruthLabelNaming(defaultName: name) }
}

/// Where labels stand against the events they label, for one label name.
/// A label waits for its event for the join horizon; after that it is an orphan.
/// A judged event whose horizon passed without a label is never-labelled.
public struct TruthLabelCounts: Sendable, Hashable {
    public var joined: Int
    /// Not joined yet, received within the horizon.
    public var pending: Int
    /// Not joined, received longer ago than the horizon.
    public var orphaned: Int
    /// Judged events whose horizon ended in the last day without a label of this name.
    public var neverLabelled: Int

    public init(joined: Int, pending: Int, orphaned: Int, neverLabelled: Int) {
        self.joined = joined
        self.pending = pending
        self.orphaned = orphaned
        self.neverLabelled = neverLabelled
    }
}

/// One sampled event as the hallucination-rate estimators see it: the offline
/// scorer's result and, where one exists, its gold value.
public struct ScoredEvent: Sendable, Hashable {
    public var eventID: Int64
    public var model: String
    public var route: String
    /// The scorer's score (higher = more likely hallucinated), nil when it gave none.
    public var score: Double?
    /// The scorer's verdict at the threshold it ran with; `unknown` when it did not decide.
    public var verdict: Verdict
    /// The gold value in [0, 1] from the first configured gold source that has one.
    public var gold: Double?

    public init(eventID: Int64, model: String, route: String, score: Double?, verdict: Verdict, gold: Double?) {
        self.eventID = eventID
        self.model = model
        self.route = route
        self.score = score
        self.verdict = verdict
        self.gold = gold
    }
}

/// Which verdicts count as gold: label sources (`human`, …) and judges
/// (`llm`, `feedback`, as stored in the judgments), first match wins.
public struct GoldPolicy: Sendable, Hashable {
    /// The label name gold labels carry.
    public var labelName: String
    /// Label sources and judge names, in order of preference.
    public var sources: [String]
    /// The scorer whose verdicts the gold corrects (`groundedness`).
    public var scorer: String

    public init(labelName: String = "hallucinated", sources: [String], scorer: String) {
        self.labelName = labelName
        self.sources = sources
        self.scorer = scorer
    }
}

/// Persistence of truth labels and their join with judged events.
public protocol TruthLabelStore: Sendable {
    /// Stores labels (a later label with the same request id, name and source
    /// replaces the earlier one); returns how many were stored.
    @discardableResult
    func recordLabels(_ labels: [TruthLabel]) async throws -> Int
    /// Join state of the labels named `name`, with `horizon` the time a label waits for its event.
    func labelCounts(name: String, horizon: Int64, now: Timestamp) async throws -> TruthLabelCounts
    /// Deletes labels received before `before`; returns how many.
    func pruneLabels(before: Timestamp) async throws -> Int
}

/// What the quality stage reads back: the scorer's judged events with their gold,
/// and the per-route calibrations `infermon quality calibrate` stored.
public protocol GoldJudgmentStore: TruthLabelStore {
    /// Every event the policy's scorer judged with `from <= eventTimestamp <= through`,
    /// and every event with a gold verdict in that window (score nil when unscored).
    func scoredEvents(policy: GoldPolicy, from: Timestamp, through: Timestamp) async throws -> [ScoredEvent]
    /// Stored calibrations as JSON documents, keyed by model and route.
    func calibrations() async throws -> [String]
    /// Stores one calibration document for a model and route, replacing the earlier one.
    func storeCalibration(model: String, route: String, document: String, at: Timestamp) async throws
}
