public import InfermonCore
import SwiftProtobuf

/// What one OTLP/HTTP trace export turned into.
public struct OTLPDecodedTraces: Sendable {
    /// One event per span that describes a model call.
    public var events: [InferenceEvent]
    /// GenAI spans that could not become events, by position among all spans of
    /// the request (0-based, in request order), with the reason.
    public var rejected: [(index: Int, reason: String)]
    /// Spans whose time the `TimestampPolicy` refused, by index, with the reason.
    public var outOfRange: [(index: Int, reason: String)] = []
    /// Spans without `gen_ai.*` attributes (HTTP, database, agent and tool spans),
    /// which an instrumented application sends alongside its model calls.
    public var ignoredSpans: Int
    /// The request's encoding, which the response must use.
    public var encoding: OTLPEncoding

    public init(
        events: [InferenceEvent] = [], rejected: [(index: Int, reason: String)] = [], ignoredSpans: Int = 0,
        encoding: OTLPEncoding
    ) {
        self.events = events
        self.rejected = rejected
        self.ignoredSpans = ignoredSpans
        self.encoding = encoding
    }
}

/// Decodes OTLP/HTTP `ExportTraceServiceRequest` bodies (protobuf or JSON) and
/// maps GenAI spans to inference events with `OTelGenAIMapping`, the same
/// mapping the `otel-genai` file profile uses, so a span means the same thing
/// whether it was logged to a file or exported over OTLP.
///
/// The protobuf messages in `Generated/` are committed output of
/// `scripts/otlp/regenerate.sh` (swift-protobuf 1.39.0, opentelemetry-proto 1.45.2);
/// builds never run protoc.
public enum OTLPTraceDecoder {
    /// Nesting limit for both encodings, so a hostile body cannot exhaust the stack.
    static let maxDepth = 64

    /// Throws only when the body as a whole is unreadable (unsupported content
    /// type, not protobuf or JSON); a span that does not fit is rejected alone.
    /// A gzip `Content-Encoding` must be undone before calling this.
    public static func decode(
        body: [UInt8], contentType: String, timestamps: TimestampPolicy? = nil, now: Timestamp = 0
    ) throws(OTLPDecodingError) -> OTLPDecodedTraces {
        let encoding = try OTLPEncoding(contentType: contentType)
        let request: OTLPTraceRequest
        switch encoding {
        case .protobuf:
            do {
                var options = BinaryDecodingOptions()
                options.messageDepthLimit = maxDepth
                options.discardUnknownFields = true
                request = try OTLPTraceRequest(serializedBytes: body, options: options)
            } catch {
                throw OTLPDecodingError(.malformed, "not an OTLP ExportTraceServiceRequest in protobuf: \(error)")
            }
        case .json:
            let root: JSONValue
            do {
                root = try body.withUnsafeBufferPointer { bytes in
                    guard isValidUTF8(bytes) else { throw EventDecodingError("body is not valid UTF-8") }
                    return try DocumentReader.parse(bytes)
                }
            } catch {
                throw OTLPDecodingError(.malformed, "not valid JSON: \(error)")
            }
            request = try OTLPJSONReader.request(root)
        }
        return map(request, encoding: encoding, timestamps: timestamps, now: now)
    }

    static func map(
        _ request: OTLPTraceRequest, encoding: OTLPEncoding, timestamps: TimestampPolicy? = nil, now: Timestamp = 0
    ) -> OTLPDecodedTraces {
        var result = OTLPDecodedTraces(encoding: encoding)
        var index = 0
        for resourceSpans in request.resourceSpans {
            let resource = resourceSpans.resource.attributes.jsonMembers
            for scopeSpans in resourceSpans.scopeSpans {
                for span in scopeSpans.spans {
                    defer { index += 1 }
                    do {
                        if let event = try OTLPSpanMapping.event(span, resource: resource) {
                            if let reason = timestamps?.violation(event.timestamp, now: now) {
                                result.outOfRange.append((index, "span \"\(span.name)\": \(reason)"))
                                continue
                            }
                            result.events.append(event)
                        } else {
                            result.ignoredSpans += 1
                        }
                    } catch {
                        result.rejected.append((index, "span \"\(span.name)\": \(error.reason)"))
                    }
                }
            }
        }
        return result
    }
}

/// One span to one event.
enum OTLPSpanMapping {
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
