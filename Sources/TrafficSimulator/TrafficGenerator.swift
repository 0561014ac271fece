public import InfermonCore

#if canImport(Glibc)
    import Glibc
#endif

/// Synthetic LLM gateway traffic with the shapes a monitor must catch: a daily
/// load curve, and once per simulated day a latency incident, a cost spike, a
/// drift episode (longer prompts and a new dominant tenant) and an error burst.
/// Times of day are offsets from `dayStart`, so the same schedule repeats daily.
public struct TrafficGenerator: Sendable {
    public struct Model: Sendable {
        public var name: String
        public var version: String
        /// USD per million input / output / cached-input tokens; nil for a self-hosted model with no price.
        public var price: (input: Double, output: Double, cached: Double)?
        public var medianLatency: Double
        public var weight: Double
    }

    public static let models: [Model] = [
        Model(name: "gpt-4o", version: "2024-08-06", price: (2.5, 10, 1.25), medianLatency: 1.6, weight: 3),
        Model(name: "gpt-4o-mini", version: "2024-07-18", price: (0.15, 0.6, 0.075), medianLatency: 0.9, weight: 5),
        Model(name: "claude-3-5-sonnet", version: "20241022", price: (3, 15, 0.3), medianLatency: 2.1, weight: 2),
        Model(name: "llama-3.1-70b", version: "vllm-0.6", price: nil, medianLatency: 1.2, weight: 1.5),
    ]
    public static let tenants = ["acme", "globex", "initech", "umbrella", "hooli"]
    static let tenantWeights: [Double] = [4, 2.5, 2, 1, 0.5]
    public static let routes = ["/v1/chat/completions", "/v1/completions", "/v1/responses"]
    static let routeWeights: [Double] = [8, 1, 1]

    /// When incidents happen, as offsets into each simulated day (milliseconds),
    /// and the noise of a normal day. The default is the demo's day: one
    /// incident of each kind.
    public struct Schedule: Sendable {
        /// gpt-4o slows down: first tokens six times later, each token four times slower.
        public var latencyIncidents: [Range<Int64>] = [(6 * hour)..<(6 * hour + 45 * minute)]
        /// globex sends ten-times longer prompts to the priciest model, with 1.5 times the load.
        public var costSpikes: [Range<Int64>] = [(10 * hour)..<(10 * hour + 30 * minute)]
        /// Longer prompts, more non-English, and a new dominant tenant.
        public var drift: [Range<Int64>] = [(14 * hour)..<(24 * hour)]
        /// A quarter of all requests fail.
        public var errorBursts: [Range<Int64>] = [(18 * hour)..<(18 * hour + 10 * minute)]
        /// One model fails this share of its requests (on top of its baseline).
        public var modelErrorIncidents: [(model: String, share: Double, during: Range<Int64>)] = []
        /// One model serves nothing: its requests go to the other models.
        public var outages: [(model: String, during: Range<Int64>)] = []
        /// Noise: each model's share of failed requests on a normal day.
        public var baselineErrorRate: [String: Double] = [:]
        public var defaultErrorRate = 0.004
        /// Noise: models whose latency has a long tail (a large self-hosted
        /// model under batching: one request in fifty takes three to eight times longer).
        public var longTailModels: Set<String> = []
        /// A rollout with a planted regression (`infermon demo --canary`); nil: none.
        public var canary: CanaryScenario?

        public init() {}

        /// A day without incidents.
        public static var quiet: Schedule {
            var schedule = Schedule()
            schedule.latencyIncidents = []
            schedule.costSpikes = []
            schedule.drift = []
            schedule.errorBursts = []
            return schedule
        }

        func any(_ ranges: [Range<Int64>], _ phase: Int64) -> Bool { ranges.contains { $0.contains(phase) } }
    }

    /// A share of one model's requests goes to a candidate version that is slower
    /// and fails more often: what `infermon canary` must roll back.
    public struct CanaryScenario: Sendable {
        public var model = "gpt-4o-mini"
        public var baselineVersion = "2024-07-18"
        public var candidateVersion = "2025-01-canary"
        /// The candidate's share of the model's requests.
        public var share = 0.1
        /// Every latency (and time to first token) of the candidate is this many times longer.
        public var latencyFactor = 1.3
        /// Failed requests added to the candidate's share of failures.
        public var extraErrorRate = 0.03

        public init() {}
    }

    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000

    public var dayStart: Timestamp
    /// Mean requests per second at the daily average.
    public var baseRate: Double
    public var includeText: Bool
    public var schedule = Schedule()
    private var random: SeededRandom
    private var sequence: UInt64 = 0

    public init(dayStart: Timestamp, baseRate: Double = 2, includeText: Bool = false, seed: UInt64 = 42) {
        self.dayStart = dayStart
        self.baseRate = baseRate
        self.includeText = includeText
        self.random = SeededRandom(seed: seed)
    }

    func offset(_ time: Timestamp) -> Int64 {
        let day = 24 * Self.hour
        return ((time - dayStart) % day + day) % day
    }

    /// Requests per second at `time`: a daily curve peaking mid-afternoon, plus the cost spike's extra load.
    public func rate(at time: Timestamp) -> Double {
        let hours = Double(offset(time)) / Double(Self.hour)
        let curve = 1 + 0.7 * sin(2 * Double.pi * (hours - 9) / 24)
        let spike = schedule.any(schedule.costSpikes, offset(time)) ? 1.5 : 1
        return baseRate * curve * spike
    }

    /// The arrival time of the next request after `time`.
    public mutating func nextArrival(after time: Timestamp) -> Timestamp {
        let gap = random.exponential(rate: max(rate(at: time), 0.01))
        return time + max(1, Int64(gap * 1000))
    }

    public mutating func event(at time: Timestamp) -> InferenceEvent {
        sequence += 1
        let phase = offset(time)
        let drifting = schedule.any(schedule.drift, phase)
        let spiking = schedule.any(schedule.costSpikes, phase)
        var tenant = Self.tenants[random.weighted(Self.tenantWeights)]
        if drifting, random.chance(0.55) { tenant = "wayne" }
        let down = Set(schedule.outages.filter { $0.during.contains(phase) }.map(\.model))
        var model = Self.models[random.weighted(Self.models.map { down.contains($0.name) ? 0 : $0.weight })]
        if spiking, random.chance(0.5) {
            tenant = "globex"
            model = Self.models[2]
        }
        let route = Self.routes[random.weighted(Self.routeWeights)]
        let streamed = random.chance(0.7)
        var version = model.version
        var slowdown = 1.0
        var extraErrors = 0.0
        if let canary = schedule.canary, canary.model == model.name {
            version = canary.baselineVersion
            if random.chance(canary.share) {
                version = canary.candidateVersion
                slowdown = canary.latencyFactor
                extraErrors = canary.extraErrorRate
            }
        }

        var promptTokens = Int(random.logNormal(median: drifting ? 1300 : 600, sigma: 0.7))
        if spiking, tenant == "globex" { promptTokens *= 10 }
        let maxTokens = 1024
        let wanted = Int(random.logNormal(median: 220, sigma: 0.8)) + 1
        let finishReason = wanted > maxTokens ? "length" : "stop"
        let cachedTokens = random.chance(0.3) ? Int(Double(promptTokens) * random.unit() * 0.8) : 0
        let reasoningTokens =
            model.name == "gpt-4o" && random.chance(0.1) ? Int(random.logNormal(median: 300, sigma: 0.5)) : 0
        // As OpenAI reports them, completion tokens include the reasoning tokens.
        let completionTokens = min(wanted, maxTokens) + reasoningTokens

        let slow = schedule.any(schedule.latencyIncidents, phase) && model.name == "gpt-4o"
        var ttft = random.logNormal(median: 0.25 * (slow ? 6 : 1) * model.medianLatency / 1.5, sigma: 0.45)
        let perToken = random.logNormal(median: 0.012 * model.medianLatency, sigma: 0.3) * (slow ? 4 : 1)
        var latency = ttft + perToken * Double(completionTokens) + random.logNormal(median: 0.05, sigma: 0.5)
        if schedule.longTailModels.contains(model.name), random.chance(0.02) { latency *= 3 + 5 * random.unit() }
        ttft *= slowdown
        latency *= slowdown

        var status = EventStatus.ok
        var errorType: String?
        let baseline = schedule.baselineErrorRate[model.name] ?? schedule.defaultErrorRate
        let incident =
            schedule.modelErrorIncidents.filter { $0.model == model.name && $0.during.contains(phase) }
            .map(\.share).max() ?? 0
        let errorChance = (schedule.any(schedule.errorBursts, phase) ? 0.25 : max(baseline, incident)) + extraErrors
        if random.chance(errorChance) {
            status = random.chance(0.15) ? .timeout : .error
            errorType = status == .timeout ? "timeout" : (random.chance(0.6) ? "rate_limit" : "upstream_503")
            latency = status == .timeout ? 30 : random.logNormal(median: 0.08, sigma: 0.5)
            ttft = 0
        }
        let ok = status == .ok
        var cost: Double?
        if let price = model.price {
            cost =
                ok
                ? (Double(promptTokens - cachedTokens) * price.input + Double(cachedTokens) * price.cached
                    + Double(completionTokens) * price.output) / 1_000_000
                : 0
        }
        var event = InferenceEvent(
            timestamp: time, requestID: "req-\(String(time, radix: 36))-\(String(sequence, radix: 36))",
            model: model.name, modelVersion: version, route: route, tenant: tenant, status: status,
            errorType: errorType, latency: latency, timeToFirstToken: ok && streamed ? ttft : nil,
            promptTokens: ok ? promptTokens : nil, completionTokens: ok ? completionTokens : nil,
            cachedTokens: ok && cachedTokens > 0 ? cachedTokens : nil,
            reasoningTokens: ok && reasoningTokens > 0 ? reasoningTokens : nil, cost: cost,
            finishReason: ok ? finishReason : nil, streamed: streamed)
        event.features = [
            "language": .category(random.chance(drifting ? 0.5 : 0.8) ? "en" : (random.chance(0.5) ? "de" : "ja")),
            "prompt_chars": .number(Double(promptTokens * 4)),
        ]
        if random.chance(0.05) { event.feedback = random.chance(drifting ? 0.7 : 0.88) ? 1 : 0 }
        if includeText, ok { addText(to: &event, promptTokens: promptTokens, completionTokens: completionTokens) }
        return event
    }

    static let vocabulary = """
        the model answered using the retrieved passages about billing refunds shipping policy account security \
        invoice customer order warranty support ticket escalation latency region cluster deployment token budget \
        quarterly report revenue forecast contract renewal compliance audit privacy data retention schedule
        """.split(separator: " ").map(String.init)

    private mutating func addText(to event: inout InferenceEvent, promptTokens: Int, completionTokens: Int) {
        func words(_ count: Int) -> String {
            var out = ""
            out.reserveCapacity(count * 7)
            for index in 0..<count {
                if index > 0 { out += index % 14 == 0 ? ". " : " " }
                out += Self.vocabulary[Int(random.next() % UInt64(Self.vocabulary.count))]
            }
            return out + "."
        }
        event.prompt = words(min(promptTokens, 400) * 3 / 4)
        event.response = words(min(completionTokens, 300) * 3 / 4)
        event.context = words(120)
    }
}
