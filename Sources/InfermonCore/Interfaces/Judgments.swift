/// What a judge concluded about one response. `unknown` covers every failure
/// (timeout, refusal, unparsable answer, no context): it is never read as
/// `supported`, and rates leave it out of both numerator and denominator.
public enum Verdict: String, Sendable, Hashable, CaseIterable {
    case supported
    case hallucinated
    case unknown
}

/// A sampled event as judges see it: identity, labels and the texts to judge.
public struct JudgeCandidate: Sendable, Hashable {
    /// The store's row id of the event, the key judgments are stored under.
    public var eventID: Int64
    public var requestID: String
    public var timestamp: Timestamp
    public var model: String
    public var route: String
    public var prompt: String?
    public var response: String?
    public var context: String?
    public var feedback: Double?

    public init(
        eventID: Int64, requestID: String, timestamp: Timestamp, model: String, route: String, prompt: String? = nil,
        response: String? = nil, context: String? = nil, feedback: Double? = nil
    ) {
        self.eventID = eventID
        self.requestID = requestID
        self.timestamp = timestamp
        self.model = model
        self.route = route
        self.prompt = prompt
        self.response = response
        self.context = context
        self.feedback = feedback
    }
}

/// One judge's verdict on one sampled event, as stored.
public struct Judgment: Sendable, Hashable {
    public var eventID: Int64
    public var requestID: String
    /// The event's time: rates are computed over windows of event time.
    public var eventTimestamp: Timestamp
    public var judgedAt: Timestamp
    /// `groundedness`, `llm` or `feedback`.
    public var judge: String
    public var model: String
    public var route: String
    public var verdict: Verdict
    /// The judge's own score in [0, 1], higher meaning more likely hallucinated; nil when it gave none.
    public var score: Double?
    /// A short human-readable reason, already free of secrets (texts were redacted at ingest).
    public var reason: String
    /// What the judgment cost in USD (LLM judge spend); 0 for local judges.
    public var cost: Double
    /// True when the judge failed (network, parsing, budget); such a verdict is always `unknown`.
    public var failed: Bool

    public init(
        eventID: Int64, requestID: String, eventTimestamp: Timestamp, judgedAt: Timestamp, judge: String,
        model: String, route: String, verdict: Verdict, score: Double?, reason: String, cost: Double = 0,
        failed: Bool = false
    ) {
        self.eventID = eventID
        self.requestID = requestID
        self.eventTimestamp = eventTimestamp
        self.judgedAt = judgedAt
        self.judge = judge
        self.model = model
        self.route = route
        self.verdict = verdict
        self.score = score
        self.reason = reason
        self.cost = cost
        self.failed = failed
    }
}

/// A judgment's outcome before it is tied to an event: what every judge returns.
public struct JudgeOutcome: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        /// The judge answered (its verdict may still be `unknown`).
        case judged
        /// The judge failed (network, timeout, unparsable answer): verdict `unknown`, counted as an error.
        case failed
        /// The judge was not asked because a cap (events per hour, spend per day) was reached; not stored.
        case skipped
    }

    public var verdict: Verdict
    public var score: Double?
    public var reason: String
    public var cost: Double
    public var status: Status

    public init(verdict: Verdict, score: Double?, reason: String, cost: Double = 0, status: Status = .judged) {
        self.verdict = verdict
        self.score = score
        self.reason = reason
        self.cost = cost
        self.status = status
    }

    /// A failure: always `unknown`, so a broken judge can never make a model look good.
    public static func failure(_ reason: String, cost: Double = 0) -> JudgeOutcome {
        JudgeOutcome(verdict: .unknown, score: nil, reason: reason, cost: cost, status: .failed)
    }

    public static func skipped(_ reason: String) -> JudgeOutcome {
        JudgeOutcome(verdict: .unknown, score: nil, reason: reason, status: .skipped)
    }
}

/// A judge that needs the network (an LLM over HTTP). Defined here so the
/// quality stage can drive one without importing the HTTP client's target.
public protocol RemoteJudge: Sendable {
    /// The `judge` label value its judgments are stored under.
    var name: String { get }
    /// Never throws for judge-side trouble: failures come back as `JudgeOutcome.failure`.
    func judge(_ candidate: JudgeCandidate) async -> JudgeOutcome
    /// Called once before judging starts, so caps (events per hour, spend per
    /// day) continue from what the store recorded before a restart.
    func restoreUsage(from store: any JudgmentStore, now: Timestamp) async throws
}

extension RemoteJudge {
    public func restoreUsage(from store: any JudgmentStore, now: Timestamp) async throws {}
}

/// One row of the event log as the sampler scans it, without texts.
public struct JudgeScanRow: Sendable, Hashable {
    public var eventID: Int64
    public var requestID: String?
    public var timestamp: Timestamp
    public var model: String
    public var route: String
    public var hasResponse: Bool
    public var hasContext: Bool

    public init(
        eventID: Int64, requestID: String?, timestamp: Timestamp, model: String, route: String, hasResponse: Bool,
        hasContext: Bool
    ) {
        self.eventID = eventID
        self.requestID = requestID
        self.timestamp = timestamp
        self.model = model
        self.route = route
        self.hasResponse = hasResponse
        self.hasContext = hasContext
    }
}

/// Counts of verdicts for one judge and one model/route over a window.
public struct VerdictCounts: Sendable, Hashable {
    public var judge: String
    public var model: String
    public var route: String
    public var supported: Int
    public var hallucinated: Int
    public var unknown: Int

    public init(judge: String, model: String, route: String, supported: Int, hallucinated: Int, unknown: Int) {
        self.judge = judge
        self.model = model
        self.route = route
        self.supported = supported
        self.hallucinated = hallucinated
        self.unknown = unknown
    }
}

/// Persistence for sampled-event judgments. A scan cursor (event row id) is
/// stored with each batch of judgments, so a restart neither re-judges nor
/// skips events, and the LLM judge's spend survives restarts for its daily cap.
public protocol JudgmentStore: Sendable {
    /// Rows after `afterEventID` in arrival order, at most `limit`. When the log
    /// holds no row at or above the cursor (it was emptied and row ids restarted),
    /// scanning starts again from the beginning.
    func scanEvents(afterEventID: Int64, limit: Int) async throws -> [JudgeScanRow]
    /// Texts and feedback of the given events (missing ids are left out).
    func candidates(eventIDs: [Int64]) async throws -> [JudgeCandidate]
    /// The stored scan position of `cursor`, 0 when none.
    func judgeCursor(_ cursor: String) async throws -> Int64
    /// Stores judgments (replacing an earlier verdict by the same judge) and moves the cursor, atomically.
    func record(_ judgments: [Judgment], cursor: String, position: Int64) async throws
    /// Verdict counts per judge, model and route for events with `from <= eventTimestamp <= through`.
    func verdictCounts(from: Timestamp, through: Timestamp) async throws -> [VerdictCounts]
    /// Judgments of one judge made since `since` (judge time), and their summed cost: the caps' state.
    func judgeUsage(judge: String, since: Timestamp) async throws -> (count: Int, cost: Double)
    /// The stored judgments of one event, for inspection and tests.
    func judgments(eventID: Int64) async throws -> [Judgment]
    /// Deletes judgments of events older than `before`; returns how many.
    func pruneJudgments(before: Timestamp) async throws -> Int
}
