import InfermonCore
public import InfermonYAML

/// The `quality:` section as this module reads it: whether the quality service
/// runs, its options, and the security scanners every ingested batch passes
/// (they run whether or not the service does). `llm_judge` is the Judge
/// module's; the configuration hands it over.
///
/// ```yaml
/// quality:
///   sampling:
///     default_rate: 0.05
///     rules:
///       - {model: gpt-4o, route: /support, rate: 0.2}
///   settle_time: 2m
///   interval: 1m
///   windows: [1h, 1d]
///   min_samples: 30
///   groundedness: {enabled: true, threshold: 0.2}
///   feedback: {enabled: true, thumbs_down_at_or_below: 0}
///   judgment_retention: 30d
///   gold: {sources: [human, judge], label: hallucinated, min_labels: 30, agreement_floor: 0.4, horizon: 7d}
///   scanners: {sensitive_data: true, prompt_injection: true, exfiltration: true, allowed_hosts: [docs.example.com]}
/// ```
public struct QualityConfig: Sendable, Equatable {
    public var enabled = true
    public var options = QualityOptions()
    public var scanners = ScannerOptions()

    public init() {}

    /// The keys of `quality:` read here.
    public static let keys: Set<String> = [
        "enabled", "sampling", "settle_time", "interval", "windows", "min_samples", "groundedness", "feedback",
        "judgment_retention", "scanners", "gold",
    ]

    /// Reads this module's keys of the `quality:` mapping; the mapping was checked against
    /// `keys` and whatever other modules read from it.
    public init(yaml map: YAMLMapping) throws {
        if let enabled = map["enabled"] { self.enabled = try enabled.bool() }
        if let sampling = map["sampling"] {
            let fields = try sampling.mapping(allowed: ["default_rate", "rules"])
            if let rate = fields["default_rate"] { options.sampler.defaultRate = try rate.share() }
            if let rules = fields["rules"] {
                options.sampler.rules = try rules.sequence().map { item in
                    let rule = try item.mapping(allowed: ["model", "route", "rate"])
                    let model = try rule["model"]?.string()
                    let route = try rule["route"]?.string()
                    guard model != nil || route != nil else { throw item.error("a sampling rule needs model or route") }
                    return SamplingRule(model: model, route: route, rate: try rule.required("rate").share())
                }
            }
        }
        if let settle = map["settle_time"] { options.settleTime = try settle.duration() }
        if let interval = map["interval"] { options.interval = try interval.positiveDuration() }
        if let windows = map["windows"] {
            options.windows = try windows.sequenceOrSingle().map { try $0.positiveDuration() }
            guard !options.windows.isEmpty else { throw windows.error("at least one window is needed") }
        }
        if let minimum = map["min_samples"] { options.minimumSamples = try minimum.int(in: 1...1_000_000) }
        if let retention = map["judgment_retention"] { options.judgmentRetention = try retention.positiveDuration() }
        if let groundedness = map["groundedness"] {
            let fields = try groundedness.mapping(allowed: ["enabled", "threshold"])
            if let enabled = fields["enabled"] { options.groundednessEnabled = try enabled.bool() }
            if let threshold = fields["threshold"] { options.groundedness.threshold = try threshold.share() }
        }
        if let feedback = map["feedback"] {
            let fields = try feedback.mapping(allowed: ["enabled", "thumbs_down_at_or_below"])
            if let enabled = fields["enabled"] { options.feedbackEnabled = try enabled.bool() }
            if let cut = fields["thumbs_down_at_or_below"] { options.thumbsDownAtOrBelow = try cut.share() }
        }
        if let gold = map["gold"] { options.gold = try Self.gold(gold) }
        if let section = map["scanners"] {
            let fields = try section.mapping(allowed: [
                "sensitive_data", "prompt_injection", "exfiltration", "allowed_hosts",
            ])
            if let flag = fields["sensitive_data"] { scanners.sensitiveData = try flag.bool() }
            if let flag = fields["prompt_injection"] { scanners.promptInjection = try flag.bool() }
            if let flag = fields["exfiltration"] { scanners.exfiltration = try flag.bool() }
            if let hosts = fields["allowed_hosts"] {
                scanners.allowedHosts = try hosts.stringList().map { $0.lowercased() }
            }
        }
    }

    /// `gold:` is either the list of sources (`[human, judge, feedback]`) or a
    /// mapping with `sources`, `label`, `min_labels`, `agreement_floor`, `horizon`.
    static func gold(_ node: YAMLValue) throws -> GoldOptions {
        var gold = GoldOptions()
        if (try? node.sequence()) != nil {
            gold.sources = try node.stringList()
            return gold
        }
        let fields = try node.mapping(allowed: ["sources", "label", "min_labels", "agreement_floor", "horizon"])
        if let sources = fields["sources"] { gold.sources = try sources.stringList() }
        if let label = fields["label"] { gold.labelName = try label.string() }
        if let minimum = fields["min_labels"] { gold.minimumLabels = try minimum.int(in: 2...1_000_000) }
        if let floor = fields["agreement_floor"] { gold.agreementFloor = try floor.double() }
        if let horizon = fields["horizon"] { gold.horizon = try horizon.positiveDuration() }
        return gold
    }
}
