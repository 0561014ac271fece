import InfermonCore
public import InfermonYAML

/// `quality.llm_judge`: the judge's endpoint, key and limits, with the
/// defaults of `LLMJudgeOptions`.
///
/// ```yaml
/// llm_judge:
///   url: http://127.0.0.1:8000/v1/chat/completions
///   model: judge-model
///   api_key_env: JUDGE_API_KEY        # or api_key_file: /etc/infermon/judge.key
///   prompt_template: rules/judge-prompt.txt
///   timeout: 30s
///   concurrency: 4
///   max_events_per_hour: 600
///   max_spend_per_day_usd: 5
///   price_per_million_input_tokens: 0.15
///   price_per_million_output_tokens: 0.6
/// ```
extension LLMJudgeOptions {
    /// The prompt used when the configuration names none, beside the configuration file.
    public static let defaultPromptTemplateFile = "rules/judge-prompt.txt"

    /// Reads the section; the key and the template stay in their variable and
    /// files (relative to the configuration file) until `resolved(environment:)`.
    public init(yaml value: YAMLValue) throws {
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
        self.init(url: url, model: try map.required("model").string(), promptTemplate: "")
        apiKeyEnvironmentVariable = try map["api_key_env"]?.string()
        apiKeyFile = try map["api_key_file"]?.filePath()
        if apiKeyEnvironmentVariable != nil && apiKeyFile != nil {
            throw value.error("set api_key_env or api_key_file, not both")
        }
        promptTemplateFile = YAMLValue.path(
            try map["prompt_template"]?.string() ?? Self.defaultPromptTemplateFile, relativeTo: value.file)
        if let timeout = map["timeout"] { self.timeout = try timeout.positiveDuration() }
        if let concurrency = map["concurrency"] { self.concurrency = try concurrency.int(in: 1...256) }
        if let cap = map["max_events_per_hour"] { maxEventsPerHour = try cap.int(in: 0...10_000_000) }
        if let cap = map["max_spend_per_day_usd"] { maxSpendPerDay = try Self.nonNegative(cap) }
        if let price = map["price_per_million_input_tokens"] { inputPricePerMillion = try Self.nonNegative(price) }
        if let price = map["price_per_million_output_tokens"] { outputPricePerMillion = try Self.nonNegative(price) }
        if let tokens = map["max_tokens"] { maxTokens = try tokens.int(in: 16...100_000) }
        if let json = map["json_mode"] { jsonMode = try json.bool() }
        if let retries = map["max_retries"] { maxRetries = try retries.int(in: 0...20) }
    }

    /// These options with the API key and the prompt template read from where they are kept.
    public func resolved(environment: [String: String]) throws -> LLMJudgeOptions {
        var options = self
        if apiKey == nil {
            options.apiKey = try Self.resolveAPIKey(
                environmentVariable: apiKeyEnvironmentVariable, file: apiKeyFile, environment: environment)
        }
        if let promptTemplateFile { options.promptTemplate = try readSmallFile(promptTemplateFile) }
        return options
    }

    private static func nonNegative(_ value: YAMLValue) throws -> Double {
        let number = try value.double()
        guard number >= 0 else { throw value.error("must not be negative") }
        return number
    }
}
