/// A silence mutes every alert whose labels match all of its matchers while it
/// is in force, as in Alertmanager. Silences are data the operator creates at
/// 3am; they outlive restarts and config reloads, so they live in the store.
public struct Silence: Sendable, Hashable {
    public enum State: String, Sendable, Hashable, CaseIterable {
        /// Created with a start in the future.
        case pending
        case active
        case expired
    }

    /// Random UUID text, stable for the life of the silence.
    public var id: String
    public var matchers: [LabelMatcher]
    public var startsAt: Timestamp
    public var endsAt: Timestamp
    public var createdBy: String
    public var comment: String
    /// Last change (creation or expiry), for listing and for pruning old ones.
    public var updatedAt: Timestamp

    public init(
        id: String, matchers: [LabelMatcher], startsAt: Timestamp, endsAt: Timestamp, createdBy: String,
        comment: String, updatedAt: Timestamp
    ) {
        self.id = id
        self.matchers = matchers
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.createdBy = createdBy
        self.comment = comment
        self.updatedAt = updatedAt
    }

    public func state(at now: Timestamp) -> State {
        if now >= endsAt { return .expired }
        if now < startsAt { return .pending }
        return .active
    }

    /// Whether this silence mutes an alert with `labels` at `now`.
    public func mutes(_ labels: Labels, at now: Timestamp) -> Bool {
        state(at: now) == .active && matchers.matches(labels)
    }

    /// The checks Alertmanager makes before accepting a silence: something to
    /// match, an end after the start, and no matcher set that silences everything.
    public func validate() throws {
        guard !matchers.isEmpty else { throw InfermonError.invalidArgument("a silence needs at least one matcher") }
        guard !matchers.allSatisfy(\.matchesEmpty) else {
            throw InfermonError.invalidArgument(
                "at least one matcher must not match the empty string, or the silence would mute every alert")
        }
        guard endsAt > startsAt else { throw InfermonError.invalidArgument("a silence must end after it starts") }
        guard !createdBy.isEmpty else { throw InfermonError.invalidArgument("a silence needs an author") }
        guard !comment.isEmpty else { throw InfermonError.invalidArgument("a silence needs a comment") }
    }
}

/// Where silences are kept. Implemented by the SQLite store and by an in-memory
/// double for tests.
public protocol SilenceStore: Sendable {
    /// Inserts the silence, or replaces the one with the same id.
    func saveSilence(_ silence: Silence) async throws
    /// Every silence kept, in any state.
    func silences() async throws -> [Silence]
    /// Deletes silences that ended before `cutoff`; returns how many.
    @discardableResult
    func deleteSilences(endedBefore cutoff: Timestamp) async throws -> Int
}

/// Managing silences, as the HTTP API needs it; implemented by notification's
/// `Silences`, which validates, stores and refreshes the dispatcher's view.
public protocol SilenceRegistry: Sendable {
    /// Creates a silence (starting now when `startsAt` is nil) and returns it with its new id.
    func create(
        matchers: [LabelMatcher], startsAt: Timestamp?, endsAt: Timestamp, createdBy: String, comment: String
    ) async throws -> Silence
    /// Silences in `state`, or all kept ones when nil, newest first.
    func list(state: Silence.State?) async throws -> [Silence]
    /// Ends a silence now; throws when there is none with this id or it has already expired.
    @discardableResult
    func expire(id: String) async throws -> Silence
}
