import InfermonCore

@testable import Collectors

// The OpenAI and LiteLLM profiles as they were before they read lines in one
// pass (`FieldReader`): over the whole parsed tree, through `DocumentReader`.
// Kept verbatim as the oracle of `FieldReaderDifferentialTests`.

struct TreeOpenAIProfile: EventProfile {
    let name = "openai"
    init() {}

    func decode(validUTF8 line: UnsafeBufferPointer<UInt8>) throws -> InferenceEvent {
        var doc = try DocumentReader(DocumentReader.parse(line))
        var event = InferenceEvent(timestamp: .min)

        if let time = doc.value("timestamp") ?? doc.value("ts") {
            event.timestamp = try EventValidation.timestamp(time, field: "timestamp")
        } else if let created = try doc.number("response.created"), let millis = TimeParsing.epochMillis(created) {
            event.timestamp = millis
        }
        let requestModel = try doc.string("request.model") ?? doc.string("model")
        let responseModel = try doc.string("response.model")
        event.model = requestModel ?? responseModel ?? ""
        if let responseModel, responseModel != event.model { event.modelVersion = responseModel }
        if let version = try doc.string("model_version") { event.modelVersion = version }
        event.requestID = try doc.firstString("request_id", "response.id")
        event.route = try doc.firstString("route", "endpoint") ?? ""
        event.tenant = try doc.firstString("tenant", "metadata.tenant", "request.metadata.tenant") ?? ""

        if let millis = try doc.number("latency_ms") { event.latency = millis / 1000 }
        if let seconds = try doc.number("latency_s") { event.latency = seconds }
        if let millis = try doc.number("ttft_ms") { event.timeToFirstToken = millis / 1000 }
        if let seconds = try doc.number("ttft_s") { event.timeToFirstToken = seconds }
        event.streamed = try doc.bool("request.stream")

        // Chat Completions names first, then the Responses API's.
        event.promptTokens = try doc.count("response.usage.prompt_tokens") ?? doc.count("response.usage.input_tokens")
        event.completionTokens =
            try doc.count("response.usage.completion_tokens") ?? doc.count("response.usage.output_tokens")
        event.cachedTokens =
            try doc.count("response.usage.prompt_tokens_details.cached_tokens")
            ?? doc.count("response.usage.input_tokens_details.cached_tokens")
        // Gateways serving Anthropic models in OpenAI's shape add its cache-write count.
        event.cacheWriteTokens = try doc.count("response.usage.cache_creation_input_tokens")
        event.reasoningTokens =
            try doc.count("response.usage.completion_tokens_details.reasoning_tokens")
            ?? doc.count("response.usage.output_tokens_details.reasoning_tokens")
        event.cost = try doc.number("cost_usd") ?? doc.number("cost")

        event.finishReason = try doc.string("response.choices.0.finish_reason")
        if event.finishReason == nil, let state = try doc.string("response.status") {
            let reason = try doc.string("response.incomplete_details.reason")
            event.finishReason = state == "completed" ? "stop" : (reason == "max_output_tokens" ? "length" : reason)
        }
        event.prompt = DocumentReader.messageText(doc.value("request.messages") ?? doc.value("request.input"))
        event.response = DocumentReader.messageText(
            doc.value("response.choices.0.message.content") ?? doc.value("response.output"))
        event.context = DocumentReader.messageText(doc.value("context"))

        // A whole number, checked as counts are: 9e50 cannot become an Int.
        let statusCode = try doc.count("status_code")
        if let errorType = try doc.firstString("error.type", "error.code", "response.error.type", "response.error.code")
        {
            event.errorType = errorType
            event.status = .error
        }
        if let status = try doc.string("status") {
            guard let parsed = EventStatus(loose: status) else {
                throw EventDecodingError("unknown status \"\(status)\"")
            }
            event.status = parsed
        } else if let statusCode {
            event.status = EventStatus(loose: String(statusCode)) ?? .error
            if event.status != .ok, event.errorType == nil { event.errorType = "http_\(statusCode)" }
        }
        if let feedback = doc.value("feedback") { event.feedback = try EventValidation.feedback(feedback) }
        // The bodies carry the prompt and response text, which is stored (and redacted) on its own.
        doc.consume("request")
        doc.consume("response")
        event.attributes = doc.remainingAttributes()
        try EventValidation.check(event)
        return event
    }
}

struct TreeLiteLLMProfile: EventProfile {
    let name = "litellm"
    init() {}

    func decode(validUTF8 line: UnsafeBufferPointer<UInt8>) throws -> InferenceEvent {
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
