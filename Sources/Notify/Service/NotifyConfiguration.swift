import InfermonCore

/// Everything notification needs, already validated and with secrets read:
/// `NotificationsConfig.resolve(environment:)` builds it from the `notifications:` section.
public struct NotifyConfiguration: Sendable, Equatable {
    public var route: RouteSpec
    public var receivers: [ReceiverConfig]
    public var inhibitRules: [InhibitRule]
    public var outbox: OutboxOptions
    /// The link notifications offer back to infermon.
    public var externalURL: String
    public var notificationLogRetention: Duration
    public var silenceRetention: Duration

    public init(
        route: RouteSpec, receivers: [ReceiverConfig], inhibitRules: [InhibitRule] = [],
        outbox: OutboxOptions = OutboxOptions(), externalURL: String = "",
        notificationLogRetention: Duration = defaultRetention, silenceRetention: Duration = defaultRetention
    ) {
        self.route = route
        self.receivers = receivers
        self.inhibitRules = inhibitRules
        self.outbox = outbox
        self.externalURL = externalURL
        self.notificationLogRetention = notificationLogRetention
        self.silenceRetention = silenceRetention
    }

    /// How long the notification log and expired silences are kept by default.
    public static let defaultRetention: Duration = .seconds(5 * 86_400)

    /// Builds the routing tree, checking receivers are unique and every route names one.
    public func makeRoute() throws -> Route {
        var names: Set<String> = []
        for receiver in receivers {
            guard !receiver.name.isEmpty, names.insert(receiver.name).inserted else {
                throw InfermonError.invalidArgument("receiver names must be unique and non-empty: \(receiver.name)")
            }
            for integration in receiver.integrations { _ = try EndpointURL(parsing: integration.endpoint.url) }
        }
        return try Route(root: route, receivers: names)
    }

    /// One notifier per integration, by receiver name.
    public func makeNotifiers(transport: WebhookTransport) throws -> [String: [any Notifier]] {
        var result: [String: [any Notifier]] = [:]
        for receiver in receivers {
            result[receiver.name] = try receiver.integrations.enumerated().map { index, integration in
                try integration.makeNotifier(receiver: receiver.name, index: index, transport: transport)
            }
        }
        return result
    }
}
