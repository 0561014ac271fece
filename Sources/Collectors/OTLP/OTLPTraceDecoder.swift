public import InfermonCore

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
/// Protobuf bodies are read straight from their bytes (`OTLPProtobufReader`).
/// The messages in `Generated/` (committed output of `scripts/otlp/regenerate.sh`,
/// swift-protobuf 1.39.0, opentelemetry-proto 1.45.2; builds never run protoc)
/// carry the JSON path, and in the tests they are the reference the protobuf
/// reader must agree with.
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
                return try body.withUnsafeBufferPointer { bytes throws(ProtobufWireError) in
                    try OTLPProtobufReader.decode(bytes, timestamps: timestamps, now: now)
                }
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

    /// The JSON path: the request as generated messages, then span by span.
    static func map(
        _ request: OTLPTraceRequest, encoding: OTLPEncoding, timestamps: TimestampPolicy? = nil, now: Timestamp = 0
    ) -> OTLPDecodedTraces {
        var result = OTLPDecodedTraces(encoding: encoding)
        var index = 0
        for resourceSpans in request.resourceSpans {
            let resource = resourceSpans.resource.attributes.jsonMembers
            for scopeSpans in resourceSpans.scopeSpans {
                for span in scopeSpans.spans {
                    result.add(OTLPSpanFacts(span), resource: resource, index: index, timestamps: timestamps, now: now)
                    index += 1
                }
            }
        }
        return result
    }
}
