public import InfermonCore

/// infermon's own one-line-per-request schema (see the README's "Event schema").
/// This is the hot path of file ingestion, so it reads fields straight from the
/// bytes and copies unknown members out as raw JSON text instead of building a tree.
public struct NativeProfile: EventProfile {
    public let name = "native"
    public init() {}

    enum Field {
        case timestamp, requestID, model, modelVersion, route, tenant, status, errorType
        case latencyMillis, latencySeconds, ttftMillis, ttftSeconds
        case promptTokens, completionTokens, cachedTokens, cacheWriteTokens, reasoningTokens, cost
        case finishReason, stream, prompt, response, context, features, prediction, label, feedback
    }

    static let fieldNames: [(StaticString, Field)] = [
        ("timestamp", .timestamp), ("ts", .timestamp), ("time", .timestamp),
        ("request_id", .requestID), ("model", .model), ("model_version", .modelVersion),
        ("route", .route), ("tenant", .tenant), ("status", .status), ("error_type", .errorType),
        ("latency_ms", .latencyMillis), ("latency_s", .latencySeconds), ("latency", .latencySeconds),
        ("ttft_ms", .ttftMillis), ("ttft_s", .ttftSeconds), ("ttft", .ttftSeconds),
        ("prompt_tokens", .promptTokens), ("input_tokens", .promptTokens),
        ("completion_tokens", .completionTokens), ("output_tokens", .completionTokens),
        ("cached_tokens", .cachedTokens), ("cache_write_tokens", .cacheWriteTokens),
        ("reasoning_tokens", .reasoningTokens),
        ("cost_usd", .cost), ("cost", .cost), ("finish_reason", .finishReason), ("stream", .stream),
        ("prompt", .prompt), ("response", .response), ("context", .context), ("features", .features),
        ("prediction", .prediction), ("label", .label), ("feedback", .feedback),
    ]

    /// Held per instance: a static table would pay a lazy-initialisation check on every key.
    private let fields = KeyTable(Self.fieldNames)
    /// The usual spellings of a status, matched on their bytes; others go through `EventStatus(loose:)`.
    private let statuses = KeyTable<EventStatus>([
        ("ok", .ok), ("error", .error), ("timeout", .timeout), ("canceled", .canceled), ("success", .ok),
        ("failed", .error), ("cancelled", .canceled),
    ])

    public func decode(validUTF8 line: UnsafeBufferPointer<UInt8>) throws -> InferenceEvent {
        var event = InferenceEvent(timestamp: .min)
        var strings = StringInterner()
        try decode(validUTF8: line, into: &event, strings: &strings)
        return event
    }

    public func decode(
        validUTF8 line: UnsafeBufferPointer<UInt8>, into event: inout InferenceEvent, strings: inout StringInterner
    ) throws {
        var statusText: String?
        var status: EventStatus?
        var extra: [UInt8] = []
        var scanner = JSONScanner(line)
        try scanner.readObject { scanner, key in
            guard let field = fields.value(for: key) else {
                let range = try scanner.skipValue()
                extra.append(extra.isEmpty ? UInt8(ascii: "{") : UInt8(ascii: ","))
                appendJSONKey(key, to: &extra)
                extra.append(contentsOf: UnsafeBufferPointer(rebasing: line[range]))
                return
            }
            try read(
                field, key: key, from: &scanner, into: &event, strings: &strings, status: &status,
                statusText: &statusText)
        }
        try scanner.expectEnd()
        if !extra.isEmpty {
            extra.append(UInt8(ascii: "}"))
            event.attributes = String(decoding: extra, as: UTF8.self)
        }
        if let status {
            event.status = status
        } else if let statusText {
            guard let status = EventStatus(loose: statusText) else {
                throw EventDecodingError("status \"\(statusText)\" is not ok, error, timeout or canceled")
            }
            event.status = status
        } else if event.errorType != nil {
            event.status = .error
        }
        try EventValidation.check(event)
    }

    private func read(
        _ field: Field, key: UnsafeBufferPointer<UInt8>, from scanner: inout JSONScanner,
        into event: inout InferenceEvent, strings: inout StringInterner, status: inout EventStatus?,
        statusText: inout String?
    ) throws {
        func name() -> String { String(decoding: key, as: UTF8.self) }
        func string() throws -> String? {
            if scanner.readNull() { return nil }
            guard scanner.peek() == UInt8(ascii: "\"") else { throw EventDecodingError("\(name()) must be a string") }
            return try scanner.readString()
        }
        /// A label value: repeated from line to line, so made into a string once.
        func label() throws -> String? {
            if scanner.readNull() { return nil }
            guard scanner.peek() == UInt8(ascii: "\"") else { throw EventDecodingError("\(name()) must be a string") }
            return try scanner.readString(interning: &strings)
        }
        func number() throws -> Double? {
            if scanner.readNull() { return nil }
            guard let first = scanner.peek(), first == UInt8(ascii: "-") || first &- 0x30 < 10 else {
                throw EventDecodingError("\(name()) must be a number")
            }
            return try scanner.readNumber()
        }
        func count() throws -> Int? {
            guard let value = try number() else { return nil }
            guard value == value.rounded(), abs(value) < 1e15 else {
                throw EventDecodingError("\(name()) must be a whole number")
            }
            return Int(value)
        }
        switch field {
        case .timestamp:
            // The common RFC 3339 text is parsed in place, without a String.
            if scanner.peek() == UInt8(ascii: "\""), let text = try scanner.readUnescapedString() {
                event.timestamp =
                    try TimeParsing.rfc3339Millis(text)
                    ?? EventValidation.timestamp(.string(String(decoding: text, as: UTF8.self)), field: name())
            } else {
                event.timestamp = try EventValidation.timestamp(scanner.readValue(), field: name())
            }
        case .requestID:
            if let first = scanner.peek(), first == UInt8(ascii: "-") || first &- 0x30 < 10 {
                // Numeric ids are common; keep their text.
                event.requestID = formatJSONNumber(try scanner.readNumber())
            } else {
                event.requestID = try string()
            }
        case .model: event.model = try label() ?? ""
        case .modelVersion: event.modelVersion = try label() ?? ""
        case .route: event.route = try label() ?? ""
        case .tenant: event.tenant = try label() ?? ""
        case .status:
            status = nil
            statusText = nil
            if let first = scanner.peek(), first &- 0x30 < 10 {
                statusText = String(try scanner.readInteger())
            } else if scanner.peek() == UInt8(ascii: "\""), let text = try scanner.readUnescapedString() {
                if let known = statuses.value(for: text) {
                    status = known
                } else {
                    statusText = String(decoding: text, as: UTF8.self)
                }
            } else {
                statusText = try string()
            }
        case .errorType: event.errorType = try label()
        case .latencyMillis: event.latency = try number().map { $0 / 1000 }
        case .latencySeconds: event.latency = try number()
        case .ttftMillis: event.timeToFirstToken = try number().map { $0 / 1000 }
        case .ttftSeconds: event.timeToFirstToken = try number()
        case .promptTokens: event.promptTokens = try count()
        case .completionTokens: event.completionTokens = try count()
        case .cachedTokens: event.cachedTokens = try count()
        case .cacheWriteTokens: event.cacheWriteTokens = try count()
        case .reasoningTokens: event.reasoningTokens = try count()
        case .cost: event.cost = try number()
        case .finishReason: event.finishReason = try label()
        case .stream:
            if !scanner.readNull() { event.streamed = try scanner.readBool() }
        case .prompt: event.prompt = try string()
        case .response: event.response = try string()
        case .context:
            switch try scanner.readValue() {
            case .null: event.context = nil
            case .string(let text): event.context = text
            case .array(let parts):
                event.context = try parts.map { part throws(EventDecodingError) -> String in
                    guard case .string(let text) = part else {
                        throw EventDecodingError("context must be a string or an array of strings")
                    }
                    return text
                }.joined(separator: "\n\n")
            default: throw EventDecodingError("context must be a string or an array of strings")
            }
        case .features:
            if scanner.readNull() { return }
            guard scanner.peek() == UInt8(ascii: "{") else { throw EventDecodingError("features must be an object") }
            try scanner.readObject { scanner, featureKey in
                let featureName = String(decoding: featureKey, as: UTF8.self)
                if let value = try EventValidation.feature(scanner.readValue(), field: "features.\(featureName)") {
                    event.features[featureName] = value
                }
            }
        case .prediction: event.prediction = try EventValidation.feature(scanner.readValue(), field: "prediction")
        case .label: event.label = try EventValidation.feature(scanner.readValue(), field: "label")
        case .feedback: event.feedback = try EventValidation.feedback(scanner.readValue())
        }
    }
}

/// Appends `"key":` with the key's bytes re-escaped (keys were decoded by the scanner).
func appendJSONKey(_ key: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    for byte in key {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"):
            out.append(UInt8(ascii: "\\"))
            out.append(byte)
        case 0..<0x20:
            let hex = Array("0123456789abcdef".utf8)
            out.append(contentsOf: [
                UInt8(ascii: "\\"), UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 15)],
            ])
        default:
            out.append(byte)
        }
    }
    out.append(UInt8(ascii: "\""))
    out.append(UInt8(ascii: ":"))
}
