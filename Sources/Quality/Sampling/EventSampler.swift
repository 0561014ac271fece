public import InfermonCore

/// One sampling rate, for events whose model and route match (nil matches any).
public struct SamplingRule: Sendable, Equatable {
    public var model: String?
    public var route: String?
    /// Share of eligible events to judge, in [0, 1].
    public var rate: Double

    public init(model: String? = nil, route: String? = nil, rate: Double) {
        self.model = model
        self.route = route
        self.rate = rate
    }

    func matches(model: String, route: String) -> Bool {
        (self.model == nil || self.model == model) && (self.route == nil || self.route == route)
    }
}

/// Decides which events are judged. The decision is a pure function of the
/// request id (a 64-bit hash compared with the rate), so a restarted daemon,
/// a second evaluator on a replica, or an offline re-run all pick the same
/// events, and raising the rate only adds events to the sample, never swaps them.
public struct EventSampler: Sendable, Equatable {
    /// First matching rule wins, so specific rules go before general ones.
    public var rules: [SamplingRule]
    public var defaultRate: Double

    public init(rules: [SamplingRule] = [], defaultRate: Double) {
        self.rules = rules
        self.defaultRate = defaultRate
    }

    public func rate(model: String, route: String) -> Double {
        rules.first { $0.matches(model: model, route: route) }?.rate ?? defaultRate
    }

    /// Whether the event falls in the sample. Events without a request id are
    /// keyed by their time, model and route, which every reader sees alike.
    public func isSampled(requestID: String?, timestamp: Timestamp, model: String, route: String) -> Bool {
        let rate = rate(model: model, route: route)
        if rate <= 0 { return false }
        if rate >= 1 { return true }
        let key = requestID ?? "\(timestamp)|\(model)|\(route)"
        return Self.unitHash(key) < rate
    }

    /// Maps a string to [0, 1) uniformly: FNV-1a, then a SplitMix64 finaliser so
    /// that ids differing only in their last characters spread over the range.
    public static func unitHash(_ key: String) -> Double {
        var hash = FNV1a.hash(key.utf8)
        hash ^= hash >> 30
        hash = hash &* 0xbf58_476d_1ce4_e5b9
        hash ^= hash >> 27
        hash = hash &* 0x94d0_49bb_1331_11eb
        hash ^= hash >> 31
        return Double(hash >> 11) * 0x1.0p-53
    }
}

/// Which judges may look at an event, from what it carries.
public struct JudgeEligibility: Sendable, Equatable {
    public var groundedness: Bool
    public var llm: Bool
    public var feedback: Bool

    /// Every judge needs a response; groundedness also needs retrieved context;
    /// the feedback rate needs a feedback score.
    public init(hasResponse: Bool, hasContext: Bool, hasFeedback: Bool) {
        groundedness = hasResponse && hasContext
        llm = hasResponse
        feedback = hasResponse && hasFeedback
    }

    public var any: Bool { groundedness || llm || feedback }
}
