import InfermonCore

/// The HTTP side every receiver kind shares.
public struct EndpointConfig: Sendable, Equatable, CustomStringConvertible {
    /// Chat webhook URLs carry their token in the path, so the URL is treated as
    /// a secret too: it is never logged or printed.
    public var url: String
    public var secret: WebhookSecret?
    /// Whole-request deadline, in milliseconds.
    public var timeout: Duration
    public var sendResolved: Bool
    public var rateLimit: RateLimit?

    public init(
        url: String, secret: WebhookSecret? = nil, timeout: Duration = .seconds(10), sendResolved: Bool = true,
        rateLimit: RateLimit? = nil
    ) {
        self.url = url
        self.secret = secret
        self.timeout = timeout
        self.sendResolved = sendResolved
        self.rateLimit = rateLimit
    }

    public var description: String {
        let host = (try? EndpointURL(parsing: url).host) ?? "?"
        return "endpoint(host: \(host), signed: \(secret != nil))"
    }
}

/// A sustained rate and a burst, as a token bucket.
public struct RateLimit: Sendable, Equatable {
    public var perSecond: Double
    public var burst: Int

    public init(perSecond: Double, burst: Int = 1) {
        self.perSecond = perSecond
        self.burst = max(1, burst)
    }

    /// Slack's documented limit for incoming webhooks.
    public static let slack = RateLimit(perSecond: 1)
    /// Discord allows 30 messages a minute to one channel's webhook.
    public static let discord = RateLimit(perSecond: 0.5)
}
