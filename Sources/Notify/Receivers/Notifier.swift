public import InfermonCore

/// One receiver integration (a webhook URL, a Slack channel hook, ...). The
/// dispatcher asks it to render a group into a payload, which goes into the
/// outbox; the delivery loop later asks it to send that payload.
public protocol Notifier: Sendable {
    /// `receiver/kind[index]`, the key of its outbox messages and log entries.
    var integration: String { get }
    /// Whether resolved alerts are sent (and a change in them is worth a notification).
    var sendResolved: Bool { get }
    /// Sends per second this receiver accepts, if it publishes a limit.
    var rateLimit: RateLimit? { get }
    /// A receiver that expects alerts to be re-sent while they fire (an
    /// Alertmanager) caps the group and repeat intervals of its routes to this.
    var resendInterval: Duration? { get }
    func render(_ group: NotificationGroup) throws -> [UInt8]
    /// One attempt at sending a queued message; a failure says whether retrying can help.
    func notify(_ message: OutboxMessage) async -> DeliveryResult
}

extension Notifier {
    public var resendInterval: Duration? { nil }
}

/// The result of one delivery attempt.
public enum DeliveryResult: Sendable, Equatable {
    case delivered
    /// `retryAfter` is an absolute time a 429 or 503 asked us to wait for.
    case failed(reason: String, retry: Bool, retryAfter: Timestamp? = nil)

    public var isRetryable: Bool {
        if case .failed(_, let retry, _) = self { return retry }
        return false
    }
}

/// The kinds of receiver integration, as they are named in config and integration keys.
public enum IntegrationKind: String, Sendable, CaseIterable {
    case webhook
    case slack
    case discord
    case teams
    case alertmanager
}

/// One integration's configuration, by kind.
public enum IntegrationConfig: Sendable, Equatable {
    case webhook(WebhookConfig)
    case slack(SlackConfig)
    case discord(DiscordConfig)
    case teams(TeamsConfig)
    case alertmanager(AlertmanagerConfig)

    public var kind: IntegrationKind {
        switch self {
        case .webhook: .webhook
        case .slack: .slack
        case .discord: .discord
        case .teams: .teams
        case .alertmanager: .alertmanager
        }
    }

    public var endpoint: EndpointConfig {
        get {
            switch self {
            case .webhook(let config): config.endpoint
            case .slack(let config): config.endpoint
            case .discord(let config): config.endpoint
            case .teams(let config): config.endpoint
            case .alertmanager(let config): config.endpoint
            }
        }
        set {
            switch self {
            case .webhook(var config):
                config.endpoint = newValue
                self = .webhook(config)
            case .slack(var config):
                config.endpoint = newValue
                self = .slack(config)
            case .discord(var config):
                config.endpoint = newValue
                self = .discord(config)
            case .teams(var config):
                config.endpoint = newValue
                self = .teams(config)
            case .alertmanager(var config):
                config.endpoint = newValue
                self = .alertmanager(config)
            }
        }
    }

    /// Builds the notifier that sends through `transport`.
    public func makeNotifier(receiver: String, index: Int, transport: WebhookTransport) throws -> any Notifier {
        let integration = "\(receiver)/\(kind.rawValue)[\(index)]"
        let url = try EndpointURL(parsing: endpoint.url)
        switch self {
        case .webhook(let config):
            return WebhookNotifier(
                integration: integration, receiver: receiver, config: config, url: url, transport: transport)
        case .slack(let config):
            return SlackNotifier(integration: integration, config: config, url: url, transport: transport)
        case .discord(let config):
            return DiscordNotifier(integration: integration, config: config, url: url, transport: transport)
        case .teams(let config):
            return TeamsNotifier(integration: integration, config: config, url: url, transport: transport)
        case .alertmanager(let config):
            return AlertmanagerNotifier(
                integration: integration, config: config, url: try url.appendingPath("/api/v2/alerts"),
                transport: transport)
        }
    }
}

/// A named receiver: the list of integrations a route's notifications go to.
public struct ReceiverConfig: Sendable, Equatable {
    public var name: String
    public var integrations: [IntegrationConfig]

    public init(name: String, integrations: [IntegrationConfig]) {
        self.name = name
        self.integrations = integrations
    }
}
