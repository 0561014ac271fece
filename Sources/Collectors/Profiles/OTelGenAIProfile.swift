public import InfermonCore

/// OpenTelemetry GenAI semantic-convention attributes (`gen_ai.*`), either as a
/// flat JSON object of attributes or as one span in OTLP JSON shape
/// (`attributes` as a key/value list, `startTimeUnixNano`, `endTimeUnixNano`, `status`).
public struct OTelGenAIProfile: EventProfile {
    public let name = "otel-genai"
    public init() {}

    public func decode(validUTF8 line: UnsafeBufferPointer<UInt8>) throws -> InferenceEvent {
        let root = try DocumentReader.parse(line)
        guard case .object(let members) = root else { throw EventDecodingError("line is not a JSON object") }
        if let attributes = root["attributes"] {
            // Span shaped: attributes nested, timing and status beside them.
            let span = OTelSpanFields(
                start: try root["startTimeUnixNano"].map {
                    try EventValidation.timestamp($0, field: "startTimeUnixNano")
                },
                end: try root["endTimeUnixNano"].map { try EventValidation.timestamp($0, field: "endTimeUnixNano") },
                isError: OTelSpanFields.statusIsError(root["status"]),
                statusMessage: root["status"]?["message"]?.stringValue,
                spanName: root["name"]?.stringValue
            )
            return try OTelGenAIMapping.event(attributes: try OTelGenAIMapping.flatten(attributes), span: span)
        }
        return try OTelGenAIMapping.event(attributes: members, span: OTelSpanFields())
    }
}

/// Span-level facts that are not attributes.
public struct OTelSpanFields: Sendable {
    public var start: Timestamp?
    public var end: Timestamp?
    public var isError = false
    public var statusMessage: String?
    public var spanName: String?

    public init(
        start: Timestamp? = nil, end: Timestamp? = nil, isError: Bool = false, statusMessage: String? = nil,
        spanName: String? = nil
    ) {
        self.start = start
        self.end = end
        self.isError = isError
        self.statusMessage = statusMessage
        self.spanName = spanName
    }

    /// OTLP status code 2 (or "STATUS_CODE_ERROR") is an error.
    static func statusIsError(_ status: JSONValue?) -> Bool {
        guard let code = status?["code"] else { return false }
        switch code {
        case .number(let number): return number == 2
        case .string(let text): return text == "2" || text.uppercased() == "STATUS_CODE_ERROR"
        default: return false
        }
    }
}

/// The mapping from GenAI attributes to an event, shared by the JSONL profile and the OTLP receiver.
public enum OTelGenAIMapping {
    /// Turns OTLP `[{key, value: {stringValue|intValue|…}}]` (or an already flat object) into plain members.
    public static func flatten(_ attributes: JSONValue) throws(EventDecodingError) -> [(key: String, value: JSONValue)]
    {
        switch attributes {
        case .object(let pairs): return pairs
        case .array(let items):
            var out: [(key: String, value: JSONValue)] = []
            for item in items {
                guard let key = item["key"]?.stringValue else { throw EventDecodingError("attribute without a key") }
                out.append((key, anyValue(item["value"] ?? .null)))
            }
            return out
        default: throw EventDecodingError("attributes must be an object or a key/value list")
        }
    }

    /// OTLP `AnyValue` in JSON form to a plain value.
    static func anyValue(_ value: JSONValue) -> JSONValue {
        if let text = value["stringValue"] { return text }
        if let integer = value["intValue"] {
            if case .string(let text) = integer, let number = Double(text) { return .number(number) }
            return integer
        }
        if let double = value["doubleValue"] { return double }
        if let flag = value["boolValue"] { return flag }
        if let array = value["arrayValue"]?["values"], case .array(let items) = array {
            return .array(items.map(anyValue))
        }
        return value
    }

    public static func event(attributes: [(key: String, value: JSONValue)], span: OTelSpanFields) throws
        -> InferenceEvent
    {
        var lookup = GenAIAttributeLookup(attributes)
        var event = InferenceEvent(timestamp: .min)
        if let end = span.end {
            event.timestamp = end
        } else if let time = lookup.take(.timestamp) {
            event.timestamp = try EventValidation.timestamp(time, field: "timestamp")
        } else if let start = span.start {
            event.timestamp = start
        }
        if let start = span.start, let end = span.end, end >= start { event.latency = Double(end - start) / 1000 }
        // Flat attribute names contain dots; they are looked up whole, not as paths.
        func attribute(_ name: GenAIAttributeLookup.Name) -> JSONValue? { lookup.take(name) }
        func string(_ names: GenAIAttributeLookup.Name...) throws(EventDecodingError) -> String? {
            for name in names {
                guard let value = attribute(name) else { continue }
                switch value {
                case .string(let text): if !text.isEmpty { return text }
                case .number(let number): return formatJSONNumber(number)
                default: throw EventDecodingError("\(name.key) must be a string")
                }
            }
            return nil
        }
        func number(_ names: GenAIAttributeLookup.Name...) throws(EventDecodingError) -> Double? {
            for name in names {
                guard let value = attribute(name) else { continue }
                switch value {
                case .number(let number): return number
                case .string(let text):
                    guard let number = Double(text) else { throw EventDecodingError("\(name.key) must be a number") }
                    return number
                default: throw EventDecodingError("\(name.key) must be a number")
                }
            }
            return nil
        }
        func count(_ names: GenAIAttributeLookup.Name...) throws(EventDecodingError) -> Int? {
            for name in names {
                guard let value = try number(name) else { continue }
                // Bounded as every profile's counts are: 1e19 or 1e308 is no token count.
                guard value == value.rounded(), value >= 0, value < 1e15 else {
                    throw EventDecodingError("\(name.key) must be a whole number below 10^15")
                }
                return Int(value)
            }
            return nil
        }

        let requestModel = try string(.requestModel)
        let responseModel = try string(.responseModel)
        event.model = requestModel ?? responseModel ?? ""
        if let responseModel, responseModel != event.model { event.modelVersion = responseModel }
        event.route = try string(.operationName, .httpRoute) ?? span.spanName ?? ""
        event.tenant = try string(.tenantID, .tenant) ?? ""
        event.requestID = try string(.responseID, .requestID)
        event.promptTokens = try count(.inputTokens, .promptTokens)
        event.completionTokens = try count(.outputTokens, .completionTokens)
        event.cachedTokens = try count(.cacheRead, .cacheReadOld)
        event.cacheWriteTokens = try count(.cacheCreation, .cacheCreationOld)
        event.reasoningTokens = try count(.reasoning, .reasoningOld)
        event.cost = try number(.cost, .costUSD)
        if let ttft = try number(.firstChunk, .firstToken) {
            event.timeToFirstToken = ttft
            event.streamed = true
        }
        if let duration = try number(.duration), event.latency == nil {
            event.latency = duration
        }
        if let reasons = attribute(.finishReasons) {
            switch reasons {
            case .array(let items): event.finishReason = items.first?.stringValue
            case .string(let text): event.finishReason = text
            default: throw EventDecodingError("gen_ai.response.finish_reasons must be a list of strings")
            }
        }
        event.prompt = messages(attribute(.inputMessages) ?? attribute(.prompt))
        event.response = messages(attribute(.outputMessages) ?? attribute(.completion))
        if let errorType = try string(.errorType) {
            event.errorType = errorType
            event.status = errorType == "timeout" ? .timeout : .error
        } else if span.isError {
            event.status = .error
            event.errorType = span.statusMessage ?? "error"
        }
        event.attributes = lookup.remaining()
        try EventValidation.check(event)
        return event
    }

    /// Message attributes are JSON text in recent conventions and structured in older ones.
    private static func messages(_ value: JSONValue?) -> String? {
        guard let value else { return nil }
        if case .string(let text) = value, let first = text.first, first == "[" || first == "{" {
            var bytes = Array(text.utf8)
            if let parsed = try? bytes.withUnsafeMutableBufferPointer({
                try DocumentReader.parse(UnsafeBufferPointer($0))
            }) {
                return DocumentReader.messageText(parsed)
            }
        }
        return DocumentReader.messageText(value)
    }
}
