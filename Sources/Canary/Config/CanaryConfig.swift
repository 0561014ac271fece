import InfermonCore
public import InfermonYAML

/// The `canaries:` section: rollouts the daemon watches, each evaluated every
/// `interval` and written as `infermon_canary_*` series.
///
/// ```yaml
/// canaries:
///   enabled: true
///   interval: 30s
///   rollouts:
///     - name: chat-v2
///       baseline: {model_version: "2024-07-18"}
///       candidate: {model_version: "2025-01-rc1"}
///       match: {route: /v1/chat/completions}
///       metrics: [errors, latency_p99, ttft_p90, cost]
///       alpha: 0.05
///       min_effect: {errors: 0.01, latency_p99: 0.5}
///       window: 2h
///       traffic_share: 0.1
///       srm_alpha: 0.001
///       min_samples: 100
///       warmup: 500
///       pairing: true
/// ```
public struct CanaryConfig: Sendable, Equatable {
    public var enabled = true
    public var interval: Duration = .seconds(30)
    public var rollouts: [CanaryDefinition] = []

    public init() {}

    public init(yaml value: YAMLValue) throws {
        self.init()
        let map = try value.mapping(allowed: ["enabled", "interval", "rollouts"])
        if let enabled = map["enabled"] { self.enabled = try enabled.bool() }
        if let interval = map["interval"] { self.interval = try interval.positiveDuration() }
        if let rollouts = map["rollouts"] {
            var names = Set<String>()
            for item in try rollouts.sequence() {
                let definition = try CanaryDefinition(yaml: item)
                guard names.insert(definition.name).inserted else {
                    throw item.error("two rollouts are named \"\(definition.name)\"")
                }
                self.rollouts.append(definition)
            }
        }
    }
}

extension CanaryDefinition {
    public init(yaml value: YAMLValue) throws {
        let map = try value.mapping(allowed: [
            "name", "baseline", "candidate", "match", "metrics", "alpha", "min_effect", "window", "traffic_share",
            "srm_alpha", "min_samples", "warmup", "pairing",
        ])
        let name = try map.required("name").string()
        guard !name.isEmpty else { throw value.error("a rollout needs a name") }
        let baselineValue = try map.required("baseline")
        let candidateValue = try map.required("candidate")
        self.init(
            name: name, baseline: try Self.selector(baselineValue), candidate: try Self.selector(candidateValue))
        guard baseline != candidate else { throw candidateValue.error("the candidate is the baseline") }
        if let match = map["match"] { common = try Self.selector(match).matchers }
        if let metrics = map["metrics"] {
            var parsed: [CanaryMetric] = []
            for item in try metrics.sequenceOrSingle() {
                do {
                    parsed += try CanaryMetric.parse(try item.string())
                } catch let error as InfermonError where error.location == nil {
                    throw item.error(error.message)
                }
            }
            guard !parsed.isEmpty else { throw metrics.error("name at least one metric") }
            self.metrics = parsed
        }
        if let alpha = map["alpha"] { self.alpha = try Self.probability(alpha) }
        if let srm = map["srm_alpha"] { srmAlpha = try Self.probability(srm) }
        if let share = map["traffic_share"] { trafficShare = try Self.probability(share) }
        if let effects = map["min_effect"] {
            let names = Set(metrics.map(\.name))
            for (key, item) in try effects.entries() {
                guard names.contains(key) else {
                    throw item.error(
                        "min_effect names a metric of this rollout (\(metrics.map(\.name).joined(separator: ", "))), not \"\(key)\""
                    )
                }
                let number = try item.double()
                guard number > 0, number.isFinite else { throw item.error("must be positive") }
                margins[key] = number
            }
        }
        if let window = map["window"] { self.window = try window.positiveDuration() }
        if let minimum = map["min_samples"] { minimumSamples = try minimum.int(in: 2...10_000_000) }
        if let warmup = map["warmup"] { self.warmup = try warmup.int(in: 0...10_000_000) }
        if let pairing = map["pairing"] { self.pairing = try pairing.bool() }
    }

    /// `{model_version: B}` or `model_version=B`.
    static func selector(_ value: YAMLValue) throws -> CanarySelector {
        do {
            if value.isScalar { return try CanarySelector(parsing: try value.string()) }
            var matchers: [String: String] = [:]
            for (key, item) in try value.entries() {
                guard CanarySelector.labels.contains(key) else {
                    throw item.error(
                        "an arm is chosen by \(CanarySelector.labels.joined(separator: ", ")), not \"\(key)\"")
                }
                matchers[key] = try item.string()
            }
            guard !matchers.isEmpty else { throw value.error("give at least one label") }
            return CanarySelector(matchers)
        } catch let error as InfermonError where error.location == nil {
            throw value.error(error.message)
        }
    }

    static func probability(_ value: YAMLValue) throws -> Double {
        let number = try value.double()
        guard number > 0, number < 1 else { throw value.error("must be between 0 and 1") }
        return number
    }
}
