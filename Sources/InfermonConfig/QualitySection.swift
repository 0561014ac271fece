import InfermonCore

/// The `quality:` section: sampling, judges, rates and security scanners.
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
///   llm_judge:
///     url: http://127.0.0.1:8000/v1/chat/completions
///     model: judge-model
///     api_key_env: JUDGE_API_KEY        # or api_key_file: /etc/infermon/judge.key
///     prompt_template: rules/judge-prompt.txt
///     timeout: 30s
///     concurrency: 4
///     max_events_per_hour: 600
///     max_spend_per_day_usd: 5
///     price_per_million_input_tokens: 0.15
///     price_per_million_output_tokens: 0.6
///   scanners: {sensitive_data: true, prompt_injection: true, exfiltration: true, allowed_hosts: [docs.example.com]}
/// ```
public struct QualitySection: Sendable, Equatable {
    public struct SamplingRule: Sendable, Equatable {
        public var model: String?
        public var route: String?
        public var rate: Double
    }

    public struct LLMJudge: Sendable, Equatable {
        public var url: String
        public var model: String
        public var apiKeyEnvironmentVariable: String?
        public var apiKeyFile: String?
        public var promptTemplate = "rules/judge-prompt.txt"
        public var timeout: Int64 = 30_000
        public var concurrency = 4
        public var maxEventsPerHour = 600
        public var maxSpendPerDay = 5.0
        public var inputPricePerMillion = 0.15
        public var outputPricePerMillion = 0.60
        public var maxTokens = 200
        public var jsonMode = false
        public var maxRetries = 3
    }

    public var enabled = true
    public var defaultRate = 0.05
    public var samplingRules: [SamplingRule] = []
    public var settleTime: Int64 = 60_000
    public var interval: Int64 = 60_000
    public var windows: [Int64] = [3_600_000, 86_400_000]
    public var minimumSamples = 30
    public var groundednessEnabled = true
    public var groundednessThreshold = 0.2
    public var feedbackEnabled = true
    public var thumbsDownAtOrBelow = 0.0
    public var judgmentRetention: Int64 = 30 * 86_400_000
    public var llmJudge: LLMJudge?
    public var scanSensitiveData = true
    public var scanPromptInjection = true
    public var scanExfiltration = true
    public var allowedHosts: [String] = []

    public init() {}
}

extension ConfigurationLoader {
    static func parseQuality(_ value: YAMLValue) throws -> QualitySection {
        let map = try value.mapping(allowed: [
            "enabled", "sampling", "settle_time", "interval", "windows", "min_samples", "groundedness", "feedback",
            "judgment_retention", "llm_judge", "scanners",
        ])
        var section = QualitySection()
        if let enabled = map["enabled"] { section.enabled = try enabled.bool() }
        if let sampling = map["sampling"] {
            let fields = try sampling.mapping(allowed: ["default_rate", "rules"])
            if let rate = fields["default_rate"] { section.defaultRate = try share(rate) }
            if let rules = fields["rules"] {
                section.samplingRules = try rules.sequence().map { item in
                    let rule = try item.mapping(allowed: ["model", "route", "rate"])
                    let model = try rule["model"]?.string()
                    let route = try rule["route"]?.string()
                    guard model != nil || route != nil else { throw item.error("a sampling rule needs model or route") }
                    return QualitySection.SamplingRule(
                        model: model, route: route, rate: try share(rule.required("rate")))
                }
            }
        }
        if let settle = map["settle_time"] { section.settleTime = try settle.duration() }
        if let interval = map["interval"] { section.interval = try positiveDuration(interval) }
        if let windows = map["windows"] {
            section.windows = try windows.sequenceOrSingle().map { try positiveDuration($0) }
            guard !section.windows.isEmpty else { throw windows.error("at least one window is needed") }
        }
        if let minimum = map["min_samples"] { section.minimumSamples = try minimum.int(in: 1...1_000_000) }
        if let retention = map["judgment_retention"] { section.judgmentRetention = try positiveDuration(retention) }
        if let groundedness = map["groundedness"] {
            let fields = try groundedness.mapping(allowed: ["enabled", "threshold"])
            if let enabled = fields["enabled"] { section.groundednessEnabled = try enabled.bool() }
            if let threshold = fields["threshold"] { section.groundednessThreshold = try share(threshold) }
        }
        if let feedback = map["feedback"] {
            let fields = try feedback.mapping(allowed: ["enabled", "thumbs_down_at_or_below"])
            if let enabled = fields["enabled"] { section.feedbackEnabled = try enabled.bool() }
            if let cut = fields["thumbs_down_at_or_below"] { section.thumbsDownAtOrBelow = try share(cut) }
        }
        if let judge = map["llm_judge"] { section.llmJudge = try parseLLMJudge(judge) }
        if let scanners = map["scanners"] {
            let fields = try scanners.mapping(allowed: [
                "sensitive_data", "prompt_injection", "exfiltration", "allowed_hosts",
            ])
            if let flag = fields["sensitive_data"] { section.scanSensitiveData = try flag.bool() }
            if let flag = fields["prompt_injection"] { section.scanPromptInjection = try flag.bool() }
            if let flag = fields["exfiltration"] { section.scanExfiltration = try flag.bool() }
            if let hosts = fields["allowed_hosts"] {
                section.allowedHosts = try hosts.stringList().map { $0.lowercased() }
            }
        }
        return section
    }

    private static func parseLLMJudge(_ value: YAMLValue) throws -> QualitySection.LLMJudge {
        let map = try value.mapping(allowed: [
            "url", "model", "api_key_env", "api_key_file", "prompt_template", "timeout", "concurrency",
            "max_events_per_hour", "max_spend_per_day_usd", "price_per_million_input_tokens",
            "price_per_million_output_tokens", "max_tokens", "json_mode", "max_retries",
        ])
        let urlValue = try map.required("url")
        let url = try urlValue.string()
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw urlValue.error("expected an http:// or https:// URL")
        }
        var judge = QualitySection.LLMJudge(url: url, model: try map.required("model").string())
        judge.apiKeyEnvironmentVariable = try map["api_key_env"]?.string()
        judge.apiKeyFile = try map["api_key_file"]?.filePath()
        if judge.apiKeyEnvironmentVariable != nil && judge.apiKeyFile != nil {
            throw value.error("set api_key_env or api_key_file, not both")
        }
        if let template = map["prompt_template"] { judge.promptTemplate = try template.string() }
        if let timeout = map["timeout"] { judge.timeout = try positiveDuration(timeout) }
        if let concurrency = map["concurrency"] { judge.concurrency = try concurrency.int(in: 1...256) }
        if let cap = map["max_events_per_hour"] { judge.maxEventsPerHour = try cap.int(in: 0...10_000_000) }
        if let cap = map["max_spend_per_day_usd"] { judge.maxSpendPerDay = try nonNegative(cap) }
        if let price = map["price_per_million_input_tokens"] { judge.inputPricePerMillion = try nonNegative(price) }
        if let price = map["price_per_million_output_tokens"] { judge.outputPricePerMillion = try nonNegative(price) }
        if let tokens = map["max_tokens"] { judge.maxTokens = try tokens.int(in: 16...100_000) }
        if let json = map["json_mode"] { judge.jsonMode = try json.bool() }
        if let retries = map["max_retries"] { judge.maxRetries = try retries.int(in: 0...20) }
        return judge
    }

    private static func share(_ value: YAMLValue) throws -> Double {
        let number = try value.double()
        guard (0...1).contains(number) else { throw value.error("expected a number between 0 and 1") }
        return number
    }

    private static func nonNegative(_ value: YAMLValue) throws -> Double {
        let number = try value.double()
        guard number >= 0 else { throw value.error("must not be negative") }
        return number
    }

    private static func positiveDuration(_ value: YAMLValue) throws -> Int64 {
        let millis = try value.duration()
        guard millis > 0 else { throw value.error("must be longer than zero") }
        return millis
    }
}
