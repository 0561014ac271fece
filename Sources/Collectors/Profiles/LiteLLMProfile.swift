public import InfermonCore

/// LiteLLM's standard logging payload (`StandardLoggingPayload`), one per line.
/// Its quirks, from real output: times are float epoch seconds; for a streaming
/// call `completionStartTime` marks the first token while for a non-streaming one
/// it equals `endTime`; the tenant is the key's team alias; failures carry
/// `error_information` and a zero `response_cost`.
public struct LiteLLMProfile: EventProfile {
    public let name = "litellm"
    public init() {}

    enum Field: Int, JSONFields {
        case startTime, endTime, firstToken, stream, model, responseModel, id, callID, callType, teamAlias, teamID
        case promptTokens, completionTokens, usageCachedTokens, responseCachedTokens
        case usageCacheWriteTokens, responseCacheWriteTokens, usageReasoningTokens, responseReasoningTokens
        case cost, finishReason, messages, content, status, errorCode, errorClass, response

        var path: String {
            switch self {
            case .startTime: "startTime"
            case .endTime: "endTime"
            case .firstToken: "completionStartTime"
            case .stream: "stream"
            case .model: "model"
            case .responseModel: "response.model"
            case .id: "id"
            case .callID: "litellm_call_id"
            case .callType: "call_type"
            case .teamAlias: "metadata.user_api_key_team_alias"
            case .teamID: "metadata.user_api_key_team_id"
            case .promptTokens: "prompt_tokens"
            case .completionTokens: "completion_tokens"
            case .usageCachedTokens: "metadata.usage_object.prompt_tokens_details.cached_tokens"
            case .responseCachedTokens: "response.usage.prompt_tokens_details.cached_tokens"
            case .usageCacheWriteTokens: "metadata.usage_object.cache_creation_input_tokens"
            case .responseCacheWriteTokens: "response.usage.cache_creation_input_tokens"
            case .usageReasoningTokens: "metadata.usage_object.completion_tokens_details.reasoning_tokens"
            case .responseReasoningTokens: "response.usage.completion_tokens_details.reasoning_tokens"
            case .cost: "response_cost"
            case .finishReason: "response.choices.0.finish_reason"
            case .messages: "messages"
            case .content: "response.choices.0.message.content"
            case .status: "status"
            case .errorCode: "error_information.error_code"
            case .errorClass: "error_information.error_class"
            case .response: "response"
            }
        }
    }

    private static let fieldSet = JSONFieldSet<Field>()
    /// Held per instance: a static would pay a lazy-initialisation check on every line.
    private let fields = Self.fieldSet

    public func decode(validUTF8 line: UnsafeBufferPointer<UInt8>) throws -> InferenceEvent {
        var event = InferenceEvent(timestamp: .min)
        var strings = StringInterner()
        try decode(validUTF8: line, into: &event, strings: &strings)
        return event
    }

    public func decode(
        validUTF8 line: UnsafeBufferPointer<UInt8>, into event: inout InferenceEvent, strings: inout StringInterner
    ) throws {
        var doc = try FieldReader(line, fields: fields)
        let start = try doc.number(.startTime)
        let end = try doc.number(.endTime)
        let firstToken = try doc.number(.firstToken)
        if let end, let millis = TimeParsing.epochMillis(end) { event.timestamp = millis }
        if let start, let end, end >= start { event.latency = end - start }
        let streamed = try doc.bool(.stream) ?? false
        event.streamed = streamed
        if streamed, let start, let firstToken, firstToken >= start { event.timeToFirstToken = firstToken - start }

        event.model = try doc.label(.model, &strings) ?? ""
        event.modelVersion = try doc.label(.responseModel, &strings).flatMap { $0 == event.model ? nil : $0 } ?? ""
        event.requestID = try doc.firstString(.id, .callID)
        event.route = try doc.label(.callType, &strings) ?? ""
        event.tenant = try doc.firstLabel(.teamAlias, .teamID, strings: &strings) ?? ""

        event.promptTokens = try doc.count(.promptTokens)
        event.completionTokens = try doc.count(.completionTokens)
        event.cachedTokens = try doc.count(.usageCachedTokens) ?? doc.count(.responseCachedTokens)
        // LiteLLM passes Anthropic's cache-write count through in its usage object.
        event.cacheWriteTokens = try doc.count(.usageCacheWriteTokens) ?? doc.count(.responseCacheWriteTokens)
        event.reasoningTokens = try doc.count(.usageReasoningTokens) ?? doc.count(.responseReasoningTokens)
        event.cost = try doc.number(.cost)
        event.finishReason = try doc.label(.finishReason, &strings)
        event.prompt = doc.messageText(.messages)
        event.response = doc.messageText(.content)

        switch try doc.string(.status) {
        case "success", nil: event.status = .ok
        case "failure":
            let code = try doc.string(.errorCode) ?? ""
            let errorClass = try doc.string(.errorClass) ?? ""
            event.status = code == "408" || errorClass.contains("Timeout") ? .timeout : .error
            event.errorType = errorClass.isEmpty ? (code.isEmpty ? "error" : "http_\(code)") : errorClass
        case let other?:
            guard let status = EventStatus(loose: other) else {
                throw EventDecodingError("unknown status \"\(other)\"")
            }
            event.status = status
        }
        // The bodies carry the prompt and response text, which is stored (and redacted) on its own.
        doc.consume(.messages)
        doc.consume(.response)
        event.attributes = doc.remainingAttributes()
        try EventValidation.check(event)
    }
}
