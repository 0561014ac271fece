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
            event = try OTelGenAIMapping.event(attributes: attributes, span: fields)
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
