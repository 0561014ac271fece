public import InfermonCore

/// A gateway's log of an OpenAI-style call: the `request` and `response` bodies
/// (Chat Completions or Responses API, with their `usage` block) plus the
/// gateway's own timing and tenant fields at the top level.
public struct OpenAIProfile: EventProfile {
    public let name = "openai"
    public init() {}

    enum Field: Int, JSONFields {
        case timestamp, ts, created, requestModel, model, responseModel, modelVersion, requestID, responseID
        case route, endpoint, tenant, metadataTenant, requestMetadataTenant
        case latencyMillis, latencySeconds, ttftMillis, ttftSeconds, stream
        case promptTokens, inputTokens, completionTokens, outputTokens, cachedTokens, inputCachedTokens
        case cacheWriteTokens, reasoningTokens, outputReasoningTokens, costUSD, cost
        case finishReason, responseStatus, incompleteReason, messages, input, content, output, context
        case statusCode, errorType, errorCode, responseErrorType, responseErrorCode, status, feedback
        case request, response

        var path: String {
            switch self {
            case .timestamp: "timestamp"
            case .ts: "ts"
            case .created: "response.created"
            case .requestModel: "request.model"
            case .model: "model"
            case .responseModel: "response.model"
            case .modelVersion: "model_version"
            case .requestID: "request_id"
            case .responseID: "response.id"
            case .route: "route"
            case .endpoint: "endpoint"
            case .tenant: "tenant"
            case .metadataTenant: "metadata.tenant"
            case .requestMetadataTenant: "request.metadata.tenant"
            case .latencyMillis: "latency_ms"
            case .latencySeconds: "latency_s"
            case .ttftMillis: "ttft_ms"
            case .ttftSeconds: "ttft_s"
            case .stream: "request.stream"
            case .promptTokens: "response.usage.prompt_tokens"
            case .inputTokens: "response.usage.input_tokens"
            case .completionTokens: "response.usage.completion_tokens"
            case .outputTokens: "response.usage.output_tokens"
            case .cachedTokens: "response.usage.prompt_tokens_details.cached_tokens"
            case .inputCachedTokens: "response.usage.input_tokens_details.cached_tokens"
            case .cacheWriteTokens: "response.usage.cache_creation_input_tokens"
            case .reasoningTokens: "response.usage.completion_tokens_details.reasoning_tokens"
            case .outputReasoningTokens: "response.usage.output_tokens_details.reasoning_tokens"
            case .costUSD: "cost_usd"
            case .cost: "cost"
            case .finishReason: "response.choices.0.finish_reason"
            case .responseStatus: "response.status"
            case .incompleteReason: "response.incomplete_details.reason"
            case .messages: "request.messages"
            case .input: "request.input"
            case .content: "response.choices.0.message.content"
            case .output: "response.output"
            case .context: "context"
            case .statusCode: "status_code"
            case .errorType: "error.type"
            case .errorCode: "error.code"
            case .responseErrorType: "response.error.type"
            case .responseErrorCode: "response.error.code"
            case .status: "status"
            case .feedback: "feedback"
            case .request: "request"
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

        if let time = try doc.timestamp(.timestamp, name: "timestamp") ?? doc.timestamp(.ts, name: "timestamp") {
            event.timestamp = time
        } else if let created = try doc.number(.created), let millis = TimeParsing.epochMillis(created) {
            event.timestamp = millis
        }
        let requestModel = try doc.label(.requestModel, &strings) ?? doc.label(.model, &strings)
        let responseModel = try doc.label(.responseModel, &strings)
        event.model = requestModel ?? responseModel ?? ""
        if let responseModel, responseModel != event.model { event.modelVersion = responseModel }
        if let version = try doc.label(.modelVersion, &strings) { event.modelVersion = version }
        event.requestID = try doc.firstString(.requestID, .responseID)
        event.route = try doc.firstLabel(.route, .endpoint, strings: &strings) ?? ""
        event.tenant =
            try doc.firstLabel(.tenant, .metadataTenant, .requestMetadataTenant, strings: &strings) ?? ""

        if let millis = try doc.number(.latencyMillis) { event.latency = millis / 1000 }
        if let seconds = try doc.number(.latencySeconds) { event.latency = seconds }
        if let millis = try doc.number(.ttftMillis) { event.timeToFirstToken = millis / 1000 }
        if let seconds = try doc.number(.ttftSeconds) { event.timeToFirstToken = seconds }
        event.streamed = try doc.bool(.stream)

        // Chat Completions names first, then the Responses API's.
        event.promptTokens = try doc.count(.promptTokens) ?? doc.count(.inputTokens)
        event.completionTokens = try doc.count(.completionTokens) ?? doc.count(.outputTokens)
        event.cachedTokens = try doc.count(.cachedTokens) ?? doc.count(.inputCachedTokens)
        // Gateways serving Anthropic models in OpenAI's shape add its cache-write count.
        event.cacheWriteTokens = try doc.count(.cacheWriteTokens)
        event.reasoningTokens = try doc.count(.reasoningTokens) ?? doc.count(.outputReasoningTokens)
        event.cost = try doc.number(.costUSD) ?? doc.number(.cost)

        event.finishReason = try doc.label(.finishReason, &strings)
        if event.finishReason == nil, let state = try doc.string(.responseStatus) {
            let reason = try doc.string(.incompleteReason)
            event.finishReason = state == "completed" ? "stop" : (reason == "max_output_tokens" ? "length" : reason)
        }
        event.prompt = doc.messageText(doc.has(.messages) ? .messages : .input)
        event.response = doc.messageText(doc.has(.content) ? .content : .output)
        event.context = doc.messageText(.context)

        // A whole number, checked as counts are: 9e50 cannot become an Int.
        let statusCode = try doc.count(.statusCode)
        if let errorType = try doc.firstString(.errorType, .errorCode, .responseErrorType, .responseErrorCode) {
            event.errorType = errorType
            event.status = .error
        }
        if let status = try doc.string(.status) {
            guard let parsed = EventStatus(loose: status) else {
                throw EventDecodingError("unknown status \"\(status)\"")
            }
            event.status = parsed
        } else if let statusCode {
            event.status = EventStatus(loose: String(statusCode)) ?? .error
            if event.status != .ok, event.errorType == nil { event.errorType = "http_\(statusCode)" }
        }
        if let feedback = doc.value(.feedback) { event.feedback = try EventValidation.feedback(feedback) }
        // The bodies carry the prompt and response text, which is stored (and redacted) on its own.
        doc.consume(.request)
        doc.consume(.response)
        event.attributes = doc.remainingAttributes()
        try EventValidation.check(event)
    }
}
