import InfermonCore
import InfermonYAML

/// The `notifications:` section, in Alertmanager's vocabulary where it has one
/// (`route`, `group_by`, `matchers`, `*_configs`, `inhibit_rules`), plus the
/// outbox's retry settings. Everything is decoded into this module's own types
/// with their defaults; only the receivers' URLs and secrets stay where the
/// file keeps them (inline, a file, a variable) until `resolve(environment:)`
/// reads them into the `NotifyConfiguration` the service runs on. Without a
/// `route` notification is off.
public struct NotificationsConfig: Sendable, Equatable {
    public var route: RouteSpec?
    public var receivers: [Receiver] = []
    public var inhibitRules: [InhibitRule] = []
    public var outbox = OutboxOptions()
    public var externalURL = ""
    public var notificationLogRetention = NotifyConfiguration.defaultRetention
    public var silenceRetention = NotifyConfiguration.defaultRetention

    public init() {}

    public var isEnabled: Bool { route != nil }

    public struct Receiver: Sendable, Equatable {
        public var name: String
        public var integrations: [Integration] = []
        public init(name: String) { self.name = name }
    }

    /// One `*_configs` entry: the integration as the service takes it, with its
    /// URL left empty and no secret until `resolve(environment:)`.
    public struct Integration: Sendable, Equatable {
        public var url: SecretSource
        public var secret: SecretSource?
        public var config: IntegrationConfig

        /// The integration with its URL and secret read, each checked.
        public func resolve(environment: [String: String]) throws -> IntegrationConfig {
            var endpoint = config.endpoint
            endpoint.url = try url.resolve(environment: environment)
            do {
                _ = try EndpointURL(parsing: endpoint.url)
            } catch let error as InfermonError {
                throw InfermonError.invalidInput(error.message, at: url.location)
            }
            if let source = secret {
                do {
                    endpoint.secret = try WebhookSecret(try source.resolve(environment: environment))
                } catch let error as InfermonError where error.location == nil {
                    throw InfermonError.invalidInput(error.message, at: source.location)
                }
            }
            var resolved = config
            resolved.endpoint = endpoint
            return resolved
        }
    }

    /// What the service runs on, or nil when there is no route. Every receiver's URL
    /// files and variables are read, and every failure reported.
    public func resolve(environment: [String: String]) throws -> NotifyConfiguration? {
        guard let route else { return nil }
        var problems = ProblemCollector()
        var resolved: [ReceiverConfig] = []
        for receiver in receivers {
            var integrations: [IntegrationConfig] = []
            for item in receiver.integrations {
                problems.check { integrations.append(try item.resolve(environment: environment)) }
            }
            resolved.append(ReceiverConfig(name: receiver.name, integrations: integrations))
        }
        try problems.throwIfAny()
        return NotifyConfiguration(
            route: route, receivers: resolved, inhibitRules: inhibitRules, outbox: outbox, externalURL: externalURL,
            notificationLogRetention: notificationLogRetention, silenceRetention: silenceRetention)
    }
}
