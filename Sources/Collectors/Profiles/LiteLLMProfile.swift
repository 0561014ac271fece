public import InfermonCore

/// LiteLLM's standard logging payload (`StandardLoggingPayload`), one per line.
/// Its quirks, from real output: times are float epoch seconds; for a streaming
/// call `completionStartTime` marks the first token while for a non-streaming one
/// it equals `endTime`; the tenant is the key's team alias; failures carry
/// `error_information` and a zero `response_cost`.
public struct LiteLLMProfile: EventProfile {
    public let name = "litellm"
    public init() {}

    public func decode(validUTF8 line: UnsafeBufferPointer<UInt8>) throws -> InferenceEvent {
        var doc = try DocumentReader(DocumentReader.parse(line))
        var event = InferenceEvent(timestamp: .min)
        let start = try doc.number("startTime")
        let end = try doc.number("endTime")
        let firstToken = try doc.number("completionStartTime")
        if let end, let millis = TimeParsing.epochMillis(end) { event.timestamp = millis }
        if let start, let end, end >= start { event.latency = end - start }
        let streamed = try doc.bool("stream") ?? false
        event.streamed = streamed
        if streamed, let start, let firstToken, firstToken >= start { event.timeToFirstToken = firstToken - start }

        event.model = try doc.string("model") ?? ""
        event.modelVersion = try doc.string("response.model").flatMap { $0 == event.model ? nil : $0 } ?? ""
        event.requestID = try doc.firstString("id", "litellm_call_id")
        event.route = try doc.string("call_type") ?? ""
        event.tenant = try doc.firstString("metadata.user_api_key_team_alias", "metadata.user_api_key_team_id") ?? ""

        event.promptTokens = try doc.count("prompt_tokens")
        event.completionTokens = try doc.count("completion_tokens")
        event.cachedTokens =
            try doc.count("metadata.usage_object.prompt_tokens_details.cached_tokens")
            ?? doc.count("response.usage.prompt_tokens_details.cached_tokens")
        // LiteLLM passes Anthropic's cache-write count through in its usage object.
        event.cacheWriteTokens =
            try doc.count("metadata.usage_object.cache_creation_input_tokens")
            ?? doc.count("response.usage.cache_creation_input_tokens")
        event.reasoningTokens =
            try doc.count("metadata.usage_object.completion_tokens_details.reasoning_tokens")
            ?? doc.count("response.usage.completion_tokens_details.reasoning_tokens")
        event.cost = try doc.number("response_cost")
        event.finishReason = try doc.string("response.choices.0.finish_reason")
        event.prompt = DocumentReader.messageText(doc.value("messages"))
        event.response = DocumentReader.messageText(doc.value("response.choices.0.message.content"))

        switch try doc.string("status") {
        case "success", nil: event.status = .ok
        case "failure":
            let code = try doc.string("error_information.error_code") ?? ""
            let errorClass = try doc.string("error_information.error_class") ?? ""
            event.status = code == "408" || errorClass.contains("Timeout") ? .timeout : .error
            event.errorType = errorClass.isEmpty ? (code.isEmpty ? "error" : "http_\(code)") : errorClass
        case let other?:
            guard let status = EventStatus(loose: other) else {
                throw EventDecodingError("unknown status \"\(other)\"")
            }
            event.status = status
        }
        // The bodies carry the prompt and response text, which is stored (and redacted) on its own.
        doc.consume("messages")
        doc.consume("response")
        event.attributes = doc.remainingAttributes()
        try EventValidation.check(event)
        return event
    }
}
