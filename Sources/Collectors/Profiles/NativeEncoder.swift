public import InfermonCore

/// Writes an event as one line of the native schema, the inverse of
/// `NativeProfile`: used by the demo traffic, tests and benchmarks.
public enum NativeEncoder {
    public static func line(_ event: InferenceEvent, timeFormat: TimeFormat = .rfc3339) -> String {
        var out = "{"
        var first = true
        func key(_ name: String) {
            if !first { out += "," }
            first = false
            out += "\"\(name)\":"
        }
        func string(_ name: String, _ value: String?) {
            guard let value else { return }
            key(name)
            writeJSONString(value, to: &out)
        }
        func number(_ name: String, _ value: Double?) {
            guard let value else { return }
            key(name)
            out += formatJSONNumber(value)
        }
        func integer(_ name: String, _ value: Int?) {
            guard let value else { return }
            key(name)
            out += String(value)
        }
        func feature(_ value: FeatureValue) {
            switch value {
            case .number(let number): out += formatJSONNumber(number)
            case .category(let text): writeJSONString(text, to: &out)
            }
        }
        switch timeFormat {
        case .rfc3339: string("timestamp", TimeParsing.formatRFC3339(event.timestamp))
        case .epochMillis: integer("timestamp", Int(event.timestamp))
        }
        string("request_id", event.requestID)
        string("model", event.model)
        if !event.modelVersion.isEmpty { string("model_version", event.modelVersion) }
        if !event.route.isEmpty { string("route", event.route) }
        if !event.tenant.isEmpty { string("tenant", event.tenant) }
        string("status", event.status.rawValue)
        string("error_type", event.errorType)
        number("latency_ms", event.latency.map { ($0 * 1000 * 1000).rounded() / 1000 })
        number("ttft_ms", event.timeToFirstToken.map { ($0 * 1000 * 1000).rounded() / 1000 })
        integer("prompt_tokens", event.promptTokens)
        integer("completion_tokens", event.completionTokens)
        integer("cached_tokens", event.cachedTokens)
        integer("cache_write_tokens", event.cacheWriteTokens)
        integer("reasoning_tokens", event.reasoningTokens)
        number("cost_usd", event.cost)
        string("finish_reason", event.finishReason)
        if let streamed = event.streamed {
            key("stream")
            out += streamed ? "true" : "false"
        }
        string("prompt", event.prompt)
        string("response", event.response)
        string("context", event.context)
        if !event.features.isEmpty {
            key("features")
            out += "{"
            for (index, name) in event.features.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                writeJSONString(name, to: &out)
                out += ":"
                feature(event.features[name]!)
            }
            out += "}"
        }
        if let prediction = event.prediction {
            key("prediction")
            feature(prediction)
        }
        if let label = event.label {
            key("label")
            feature(label)
        }
        number("feedback", event.feedback)
        out += "}"
        return out
    }

    public enum TimeFormat: Sendable { case rfc3339, epochMillis }
}
