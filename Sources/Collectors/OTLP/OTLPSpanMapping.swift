public import InfermonCore

/// What the mapping reads of one span, whichever encoding it came in.
struct OTLPSpanFacts {
    var name: String
    /// Lowercase hex, when the id has its proper length (16 and 8 bytes).
    var traceID: String?
    var spanID: String?
    var startNanos: UInt64
    var endNanos: UInt64
    var isError: Bool
    var statusMessage: String
    var attributes: [(key: String, value: JSONValue)]
    /// `gen_ai.*` attributes of the span's `gen_ai.*` events, in order.
    var eventAttributes: [(key: String, value: JSONValue)]
}

/// One span to one event.
enum OTLPSpanMapping {
    /// GenAI operations that structure an agent's work rather than call a model;
    /// without a model attribute they are not inference and are ignored.
    static let structuralOperations: Set<String> = ["execute_tool", "invoke_agent", "create_agent"]

    /// nil when the span is not a model call.
    /// Takes the span's attributes (`span` is left without them), so that adding
    /// to them copies nothing.
    static func event(_ span: inout OTLPSpanFacts, resource: [(key: String, value: JSONValue)])
        throws(EventDecodingError) -> InferenceEvent?
    {
        var attributes: [(key: String, value: JSONValue)] = []
        swap(&attributes, &span.attributes)
        guard attributes.contains(where: { OTLPGenAI.hasPrefix($0.key) }) else { return nil }
        if !attributes.contains(where: { $0.key == "gen_ai.request.model" || $0.key == "gen_ai.response.model" }),
            let operation = attributes.first(where: { $0.key == "gen_ai.operation.name" })?.value.stringValue,
            structuralOperations.contains(operation)
        {
            return nil
        }
        attributes.reserveCapacity(attributes.count + span.eventAttributes.count + 2 + resource.count)
        var present = PresentKeys(attributes)
        func add(_ key: String, _ value: JSONValue) {
            if present.insert(key) { attributes.append((key, value)) }
        }
        // Instrumentations that follow the event-based conventions put prompts and
        // completions on span events (`gen_ai.content.prompt`, …) rather than the span.
        for pair in span.eventAttributes { add(pair.key, pair.value) }
        if let traceID = span.traceID { add("trace_id", .string(traceID)) }
        if let spanID = span.spanID { add("span_id", .string(spanID)) }
        for pair in resource { add(pair.key, pair.value) }

        let fields = OTelSpanFields(
            start: span.startNanos == 0 ? nil : Timestamp(span.startNanos / 1_000_000),
            end: span.endNanos == 0 ? nil : Timestamp(span.endNanos / 1_000_000),
            isError: span.isError,
            statusMessage: span.statusMessage.isEmpty ? nil : span.statusMessage,
            spanName: span.name.isEmpty ? nil : span.name)
        var event: InferenceEvent
        do {
            event = try OTelGenAIMapping.event(attributes: attributes, span: fields)
        } catch let error as EventDecodingError {
            throw error
        } catch {
            throw EventDecodingError("\(error)")
        }
        if let start = fields.start, let end = fields.end, span.endNanos >= span.startNanos, end >= start {
            // Nanosecond precision is there; keep it rather than the millisecond difference.
            event.latency = Double(span.endNanos - span.startNanos) / 1e9
        }
        // An exporter retries a batch whose answer it did not see; the span's
        // identity makes the retry recognisable when no response id was recorded.
        if event.requestID == nil, let traceID = span.traceID, let spanID = span.spanID {
            event.requestID = "\(traceID)-\(spanID)"
        }
        return event
    }
}

/// The keys a span already has, so that event, id and resource attributes
/// never shadow its own. Membership is `String ==` (canonical equivalence),
/// with a shortcut for ASCII keys of different lengths, which are never equal:
/// a span has a couple of dozen keys, and hashing each cost more than comparing.
struct PresentKeys {
    private var keys: [(key: String, count: Int, isASCII: Bool)] = []

    init(_ attributes: [(key: String, value: JSONValue)]) {
        keys.reserveCapacity(attributes.count + 8)
        for pair in attributes { keys.append(Self.entry(pair.key)) }
    }

    private static func entry(_ key: String) -> (key: String, count: Int, isASCII: Bool) {
        ProtobufUTF8.withBytes(key) { bytes, count in (key, count, ProtobufUTF8.isASCII(bytes, 0..<count)) }
    }

    /// False when an equal key is there already.
    mutating func insert(_ key: String) -> Bool {
        let new = Self.entry(key)
        for old in keys {
            if new.isASCII, old.isASCII, new.count != old.count { continue }
            if old.key == key { return false }
        }
        keys.append(new)
        return true
    }
}

extension OTLPDecodedTraces {
    /// Maps the span at `index` (0-based among all spans of the request) and
    /// files the outcome: an event, a rejection, a time out of range, or an ignored span.
    mutating func add(
        _ span: consuming OTLPSpanFacts, resource: [(key: String, value: JSONValue)], index: Int,
        timestamps: TimestampPolicy?, now: Timestamp
    ) {
        do {
            if let event = try OTLPSpanMapping.event(&span, resource: resource) {
                if let reason = timestamps?.violation(event.timestamp, now: now) {
                    outOfRange.append((index, "span \"\(span.name)\": \(reason)"))
                    return
                }
                events.append(event)
            } else {
                ignoredSpans += 1
            }
        } catch {
            rejected.append((index, "span \"\(span.name)\": \(error.reason)"))
        }
    }
}

extension OTLPSpanFacts {
    /// A span of the generated messages (the JSON path builds those).
    init(_ span: OTLPSpan) {
        self.init(
            name: span.name,
            traceID: span.traceID.count == 16 ? OTLPHex.encode(span.traceID) : nil,
            spanID: span.spanID.count == 8 ? OTLPHex.encode(span.spanID) : nil,
            startNanos: span.startTimeUnixNano, endNanos: span.endTimeUnixNano,
            isError: span.status.code == .error, statusMessage: span.status.message,
            attributes: span.attributes.jsonMembers,
            eventAttributes: span.events.filter { OTLPGenAI.hasPrefix($0.name) }.flatMap { event in
                event.attributes.filter { OTLPGenAI.hasPrefix($0.key) }.map { ($0.key, $0.value.jsonValue) }
            })
    }
}
