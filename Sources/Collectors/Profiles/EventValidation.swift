import InfermonCore

/// Checks every profile applies after mapping, so all formats obey one schema.
enum EventValidation {
    static func check(_ event: InferenceEvent) throws(EventDecodingError) {
        if event.timestamp == Int64.min { throw EventDecodingError("missing timestamp") }
        if event.model.isEmpty { throw EventDecodingError("missing model") }
        try nonNegative(event.latency, "latency")
        try nonNegative(event.timeToFirstToken, "time to first token")
        try nonNegative(event.cost, "cost")
        // One call per field: a loop over an array literal would allocate on every event.
        try notNegative(event.promptTokens, "prompt_tokens")
        try notNegative(event.completionTokens, "completion_tokens")
        try notNegative(event.cachedTokens, "cached_tokens")
        try notNegative(event.cacheWriteTokens, "cache_write_tokens")
        try notNegative(event.reasoningTokens, "reasoning_tokens")
        if let feedback = event.feedback, !(0...1).contains(feedback) {
            throw EventDecodingError("feedback must be between 0 and 1")
        }
    }

    @inline(__always)
    private static func notNegative(_ value: Int?, _ name: StaticString) throws(EventDecodingError) {
        if let value, value < 0 { throw EventDecodingError("\(name) is negative") }
    }

    private static func nonNegative(_ value: Double?, _ name: String) throws(EventDecodingError) {
        if let value, !(value >= 0 && value.isFinite) {
            throw EventDecodingError("\(name) must be a non-negative number")
        }
    }

    /// Reads feedback as people log it: a score, thumbs, or a boolean.
    static func feedback(_ value: JSONValue) throws(EventDecodingError) -> Double? {
        switch value {
        case .null: return nil
        case .number(let score): return score
        case .bool(let good): return good ? 1 : 0
        case .string(let text):
            switch text.lowercased() {
            case "up", "thumbs_up", "positive", "good", "like": return 1
            case "down", "thumbs_down", "negative", "bad", "dislike": return 0
            default: throw EventDecodingError("feedback \"\(text)\" is not up/down or a score")
            }
        default: throw EventDecodingError("feedback must be a number, boolean or up/down")
        }
    }

    static func feature(_ value: JSONValue, field: String) throws(EventDecodingError) -> FeatureValue? {
        switch value {
        case .null: return nil
        case .number(let number): return .number(number)
        case .string(let text): return .category(text)
        case .bool(let flag): return .category(flag ? "true" : "false")
        default: throw EventDecodingError("\(field) must be a number, string or boolean")
        }
    }

    static func timestamp(_ value: JSONValue, field: String) throws(EventDecodingError) -> Timestamp {
        switch value {
        case .number(let number):
            if let millis = TimeParsing.epochMillis(number) { return millis }
        case .string(let text):
            if let millis = TimeParsing.rfc3339Millis(text) { return millis }
            if let number = Double(text), let millis = TimeParsing.epochMillis(number) { return millis }
        default: break
        }
        throw EventDecodingError("\(field) is not an RFC 3339 time or epoch number")
    }
}
