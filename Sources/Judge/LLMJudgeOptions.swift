import InfermonCore

#if canImport(Glibc)
    import Glibc
#endif

/// How to reach and pay for an LLM judge on any OpenAI-compatible
/// `/v1/chat/completions` endpoint (OpenAI, vLLM, TGI, LiteLLM, Ollama…).
public struct LLMJudgeOptions: Sendable, Equatable {
    /// The full chat-completions URL, e.g. `http://127.0.0.1:8000/v1/chat/completions`.
    public var url: String
    public var model: String
    /// Sent as `Authorization: Bearer …` when set.
    public var apiKey: String?
    /// The prompt template (see `JudgePrompt`), already read from its file.
    public var promptTemplate: String
    /// Where the key and the template are kept when they are not given directly,
    /// as the configuration file names them; `resolved(environment:)` reads them.
    public var apiKeyEnvironmentVariable: String?
    public var apiKeyFile: String?
    public var promptTemplateFile: String?
    /// The `judge` label value its judgments are stored under.
    public var name = "llm"
    /// Per attempt.
    public var timeout: Duration = .seconds(30)
    /// Requests in flight at once.
    public var concurrency = 4
    /// Judged events per clock hour (UTC); further events are skipped, not failed.
    public var maxEventsPerHour = 600
    /// Judge spend per UTC day in USD; a request that could pass it is not sent.
    public var maxSpendPerDay = 5.0
    /// Prices per million tokens, for spend accounting from the `usage` the endpoint reports.
    public var inputPricePerMillion = 0.15
    public var outputPricePerMillion = 0.60
    public var maxTokens = 200
    /// Asks for `response_format: {"type": "json_object"}`; not every server supports it.
    public var jsonMode = false
    /// Attempts after the first, on 429 and 5xx only.
    public var maxRetries = 3
    public var initialBackoff: Duration = .milliseconds(500)
    public var maxBackoff: Duration = .seconds(30)
    /// A `Retry-After` longer than this fails the judgment instead of stalling the queue.
    public var maxRetryAfter: Duration = .seconds(120)
    /// Characters of each text put into the prompt; longer texts are cut.
    public var maxTextCharacters = 8000

    public init(url: String, model: String, apiKey: String? = nil, promptTemplate: String) {
        self.url = url
        self.model = model
        self.apiKey = apiKey
        self.promptTemplate = promptTemplate
    }

    /// The API key from an environment variable or a file (first line, trimmed),
    /// so it never has to be written into the configuration file.
    public static func resolveAPIKey(environmentVariable: String?, file: String?, environment: [String: String]) throws
        -> String?
    {
        if let environmentVariable {
            guard let value = environment[environmentVariable], !value.isEmpty else {
                throw InfermonError.invalidArgument(
                    "judge API key: environment variable \(environmentVariable) is not set")
            }
            return value
        }
        if let file {
            let text = try readSmallFile(file)
            let key = text.split(whereSeparator: \.isNewline).first.map { $0.trimming(" \t\r") } ?? ""
            guard !key.isEmpty else { throw InfermonError.invalidArgument("judge API key file \(file) is empty") }
            return key
        }
        return nil
    }
}

/// Reads a text file of at most 1 MiB (keys, prompt templates).
public func readSmallFile(_ path: String) throws -> String {
    guard let file = fopen(path, "rb") else {
        throw InfermonError.io("cannot read \(path): \(String(cString: strerror(errno)))")
    }
    defer { fclose(file) }
    var bytes = [UInt8](repeating: 0, count: 1 << 20)
    let count = bytes.withUnsafeMutableBytes { fread($0.baseAddress!, 1, $0.count, file) }
    guard let text = String(validating: bytes[0..<count], as: UTF8.self) else {
        throw InfermonError.io("\(path) is not valid UTF-8")
    }
    return text
}
