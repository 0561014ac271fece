/// How a request ended.
public enum EventStatus: String, Sendable, CaseIterable, Hashable {
    case ok
    case error
    case timeout
    case canceled

    /// Reads the spellings that real tools write ("success", "failure", "cancelled",
    /// HTTP status codes) so every profile maps them the same way.
    public init?(loose raw: String) {
        switch raw.lowercased() {
        case "ok", "success", "succeeded", "completed", "complete": self = .ok
        case "error", "failure", "failed", "fail": self = .error
        case "timeout", "timed_out", "deadline_exceeded": self = .timeout
        case "canceled", "cancelled", "aborted": self = .canceled
        default:
            if let code = Int(raw) {
                self = code < 400 ? .ok : (code == 408 || code == 504 ? .timeout : (code == 499 ? .canceled : .error))
            } else {
                return nil
            }
        }
    }
}

/// A feature value of a classic model's input: numeric or categorical.
public enum FeatureValue: Hashable, Sendable {
    case number(Double)
    case category(String)
}

/// One inference request, whatever format it was logged in. Profiles map each
/// source format onto this; everything downstream sees only this.
public struct InferenceEvent: Sendable, Equatable {
    /// When the request finished (or failed), in milliseconds since the epoch.
    public var timestamp: Timestamp
    public var requestID: String?
    public var model: String
    public var modelVersion: String
    public var route: String
    public var tenant: String
    public var status: EventStatus
    public var errorType: String?
    /// End-to-end latency in seconds.
    public var latency: Double?
    /// Time to first token in seconds (streaming requests).
    public var timeToFirstToken: Double?
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var cachedTokens: Int?
    /// Prompt tokens written to the provider's prompt cache (Anthropic's
    /// `cache_creation_input_tokens`), part of `promptTokens`.
    public var cacheWriteTokens: Int?
    public var reasoningTokens: Int?
    /// Cost in USD as reported by the source; nil when the source did not say.
    public var cost: Double?
    public var finishReason: String?
    public var streamed: Bool?
    public var prompt: String?
    public var response: String?
    public var context: String?
    public var features: [String: FeatureValue]
    public var prediction: FeatureValue?
    public var label: FeatureValue?
    /// User feedback score in [0, 1]; 1 is good, 0 a thumbs-down.
    public var feedback: Double?
    /// Fields no profile knows, kept as a JSON object text so nothing is dropped.
    public var attributes: String?

    /// Inlinable, so a caller that leaves most fields out sets them to nil directly.
    @inlinable
    public init(
        timestamp: Timestamp,
        requestID: String? = nil,
        model: String = "",
        modelVersion: String = "",
        route: String = "",
        tenant: String = "",
        status: EventStatus = .ok,
        errorType: String? = nil,
        latency: Double? = nil,
        timeToFirstToken: Double? = nil,
        promptTokens: Int? = nil,
        completionTokens: Int? = nil,
        cachedTokens: Int? = nil,
        cacheWriteTokens: Int? = nil,
        reasoningTokens: Int? = nil,
        cost: Double? = nil,
        finishReason: String? = nil,
        streamed: Bool? = nil,
        prompt: String? = nil,
        response: String? = nil,
        context: String? = nil,
        features: [String: FeatureValue] = [:],
        prediction: FeatureValue? = nil,
        label: FeatureValue? = nil,
        feedback: Double? = nil,
        attributes: String? = nil
    ) {
        self.timestamp = timestamp
        self.requestID = requestID
        self.model = model
        self.modelVersion = modelVersion
        self.route = route
        self.tenant = tenant
        self.status = status
        self.errorType = errorType
        self.latency = latency
        self.timeToFirstToken = timeToFirstToken
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedTokens = cachedTokens
        self.cacheWriteTokens = cacheWriteTokens
        self.reasoningTokens = reasoningTokens
        self.cost = cost
        self.finishReason = finishReason
        self.streamed = streamed
        self.prompt = prompt
        self.response = response
        self.context = context
        self.features = features
        self.prediction = prediction
        self.label = label
        self.feedback = feedback
        self.attributes = attributes
    }

    /// The identity under which the event is counted in rollups and series.
    public var key: EventKey {
        EventKey(model: model, modelVersion: modelVersion, route: route, tenant: tenant, status: status)
    }
}

/// The labels every event-derived series carries.
public struct EventKey: Hashable, Sendable {
    public var model: String
    public var modelVersion: String
    public var route: String
    public var tenant: String
    public var status: EventStatus

    public init(model: String, modelVersion: String, route: String, tenant: String, status: EventStatus) {
        self.model = model
        self.modelVersion = modelVersion
        self.route = route
        self.tenant = tenant
        self.status = status
    }

    public var labels: Labels {
        Labels([
            Label("model", model), Label("model_version", modelVersion), Label("route", route),
            Label("tenant", tenant), Label("status", status.rawValue),
        ])
    }
}
