import InfermonCore

@testable import Collectors

// The span mapping as it read swift-protobuf's generated messages before the
// protobuf reader replaced them (commit ef1ecce), kept verbatim as the
// reference of OTLPProtobufDifferentialTests: the new path must give what this gives.

/// One span to one event.
enum LegacyOTLPSpanMapping {
    /// GenAI operations that structure an agent's work rather than call a model;
    /// without a model attribute they are not inference and are ignored.
    static let structuralOperations: Set<String> = ["execute_tool", "invoke_agent", "create_agent"]

    /// nil when the span is not a model call.
    static func event(_ span: OTLPSpan, resource: [(key: String, value: JSONValue)]) throws(EventDecodingError)
        -> InferenceEvent?
    {
        var attributes = span.attributes.jsonMembers
        guard attributes.contains(where: { $0.key.hasPrefix("gen_ai.") }) else { return nil }
        if !attributes.contains(where: { $0.key == "gen_ai.request.model" || $0.key == "gen_ai.response.model" }),
            let operation = attributes.first(where: { $0.key == "gen_ai.operation.name" })?.value.stringValue,
            structuralOperations.contains(operation)
        {
            return nil
        }
        var present = Set(attributes.map(\.key))
        func add(_ key: String, _ value: JSONValue) {
            if present.insert(key).inserted { attributes.append((key, value)) }
        }
        // Instrumentations that follow the event-based conventions put prompts and
        // completions on span events (`gen_ai.content.prompt`, …) rather than the span.
        for event in span.events where event.name.hasPrefix("gen_ai.") {
            for pair in event.attributes where pair.key.hasPrefix("gen_ai.") { add(pair.key, pair.value.jsonValue) }
        }
        let traceID = span.traceID.count == 16 ? OTLPHex.encode(span.traceID) : nil
        let spanID = span.spanID.count == 8 ? OTLPHex.encode(span.spanID) : nil
        if let traceID { add("trace_id", .string(traceID)) }
        if let spanID { add("span_id", .string(spanID)) }
        for pair in resource { add(pair.key, pair.value) }

        let fields = OTelSpanFields(
            start: span.startTimeUnixNano == 0 ? nil : Timestamp(span.startTimeUnixNano / 1_000_000),
            end: span.endTimeUnixNano == 0 ? nil : Timestamp(span.endTimeUnixNano / 1_000_000),
            isError: span.status.code == .error,
            statusMessage: span.status.message.isEmpty ? nil : span.status.message,
            spanName: span.name.isEmpty ? nil : span.name)
        var event: InferenceEvent
        do {
            event = try LegacyOTelGenAIMapping.event(attributes: attributes, span: fields)
        } catch let error as EventDecodingError {
            throw error
        } catch {
            throw EventDecodingError("\(error)")
        }
        if let start = fields.start, let end = fields.end, span.endTimeUnixNano >= span.startTimeUnixNano, end >= start
        {
            // Nanosecond precision is there; keep it rather than the millisecond difference.
            event.latency = Double(span.endTimeUnixNano - span.startTimeUnixNano) / 1e9
        }
        // An exporter retries a batch whose answer it did not see; the span's
        // identity makes the retry recognisable when no response id was recorded.
        if event.requestID == nil, let traceID, let spanID { event.requestID = "\(traceID)-\(spanID)" }
        return event
    }
}

/// `OTelGenAIMapping.event` as it was (commit ef1ecce), the reference for the
/// faster attribute lookup that replaced it.
enum LegacyOTelGenAIMapping {
    static func event(attributes: [(key: String, value: JSONValue)], span: OTelSpanFields) throws
        -> InferenceEvent
    {
        var doc = try DocumentReader(.object(attributes))
        var event = InferenceEvent(timestamp: .min)
        if let end = span.end {
            event.timestamp = end
        } else if let time = doc.value("timestamp") {
            event.timestamp = try EventValidation.timestamp(time, field: "timestamp")
        } else if let start = span.start {
            event.timestamp = start
        }
        if let start = span.start, let end = span.end, end >= start { event.latency = Double(end - start) / 1000 }
        // Flat attribute names contain dots; look them up whole, not as paths.
        func attribute(_ name: String) -> JSONValue? {
            doc.consume(name)
            guard let value = attributes.first(where: { $0.key == name })?.value else { return nil }
            if case .null = value { return nil }
            return value
        }
        func string(_ names: String...) throws(EventDecodingError) -> String? {
            for name in names {
                guard let value = attribute(name) else { continue }
                switch value {
                case .string(let text): if !text.isEmpty { return text }
                case .number(let number): return formatJSONNumber(number)
                default: throw EventDecodingError("\(name) must be a string")
                }
            }
            return nil
        }
        func number(_ names: String...) throws(EventDecodingError) -> Double? {
            for name in names {
                guard let value = attribute(name) else { continue }
                switch value {
                case .number(let number): return number
                case .string(let text):
                    guard let number = Double(text) else { throw EventDecodingError("\(name) must be a number") }
                    return number
                default: throw EventDecodingError("\(name) must be a number")
                }
            }
            return nil
        }
        func count(_ names: String...) throws(EventDecodingError) -> Int? {
            for name in names {
                guard let value = try number(name) else { continue }
                // Bounded as every profile's counts are: 1e19 or 1e308 is no token count.
                guard value == value.rounded(), value >= 0, value < 1e15 else {
                    throw EventDecodingError("\(name) must be a whole number below 10^15")
                }
                return Int(value)
            }
            return nil
        }

        let requestModel = try string("gen_ai.request.model")
        let responseModel = try string("gen_ai.response.model")
        event.model = requestModel ?? responseModel ?? ""
        if let responseModel, responseModel != event.model { event.modelVersion = responseModel }
        event.route = try string("gen_ai.operation.name", "http.route") ?? span.spanName ?? ""
        event.tenant = try string("tenant.id", "tenant") ?? ""
        event.requestID = try string("gen_ai.response.id", "request.id")
        event.promptTokens = try count("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens")
        event.completionTokens = try count("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens")
        event.cachedTokens = try count("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens")
        event.cacheWriteTokens = try count(
            "gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens")
        event.reasoningTokens = try count("gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens")
        event.cost = try number("gen_ai.usage.cost", "cost_usd")
        if let ttft = try number("gen_ai.response.time_to_first_chunk", "gen_ai.server.time_to_first_token") {
            event.timeToFirstToken = ttft
            event.streamed = true
        }
        if let duration = try number("gen_ai.client.operation.duration"), event.latency == nil {
            event.latency = duration
        }
        if let reasons = attribute("gen_ai.response.finish_reasons") {
            switch reasons {
            case .array(let items): event.finishReason = items.first?.stringValue
            case .string(let text): event.finishReason = text
            default: throw EventDecodingError("gen_ai.response.finish_reasons must be a list of strings")
            }
        }
        event.prompt = messages(attribute("gen_ai.input.messages") ?? attribute("gen_ai.prompt"))
        event.response = messages(attribute("gen_ai.output.messages") ?? attribute("gen_ai.completion"))
        if let errorType = try string("error.type") {
            event.errorType = errorType
            event.status = errorType == "timeout" ? .timeout : .error
        } else if span.isError {
            event.status = .error
            event.errorType = span.statusMessage ?? "error"
        }
        event.attributes = doc.remainingAttributes()
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
