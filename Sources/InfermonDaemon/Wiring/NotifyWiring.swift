import InfermonConfig
import InfermonCore
import Logging
import Notify
import Store

/// Turns the `notifications:` section into the notification service: reads
/// URLs and secrets from their files or environment variables, and applies
/// each receiver kind's defaults (Slack does not send resolved alerts unless
/// asked, as in Alertmanager).
enum NotifyWiring {
    /// The service to add to the daemon, or nil when no route is configured.
    static func makeService(
        config: Configuration, store: SQLiteStore, environment: [String: String],
        clock: any WallClock = SystemWallClock(), health: ComponentHealth? = nil
    ) throws -> NotificationService? {
        guard let configuration = try notifyConfiguration(config.notifications, environment: environment) else {
            return nil
        }
        return try NotificationService(
            configuration: configuration, store: store, clock: clock, health: health,
            logger: Logger(label: "infermon.notify"))
    }

    static func notifyConfiguration(_ section: Configuration.NotificationsSection, environment: [String: String])
        throws -> NotifyConfiguration?
    {
        guard let route = section.route else { return nil }
        // Every receiver's URL files and variables are resolved, and every failure reported.
        var problems = ProblemCollector()
        var receivers: [ReceiverConfig] = []
        for receiver in section.receivers {
            var integrations: [IntegrationConfig] = []
            for item in receiver.integrations {
                problems.check { integrations.append(try integration(item, environment: environment)) }
            }
            receivers.append(ReceiverConfig(name: receiver.name, integrations: integrations))
        }
        try problems.throwIfAny()
        let outbox = OutboxOptions(
            ttl: section.outbox.ttl, initialBackoff: section.outbox.initialBackoff,
            maxBackoff: section.outbox.maxBackoff, jitter: section.outbox.jitter)
        return NotifyConfiguration(
            route: routeSpec(route), receivers: receivers,
            inhibitRules: section.inhibitRules.map {
                InhibitRule(sourceMatchers: $0.sourceMatchers, targetMatchers: $0.targetMatchers, equal: $0.equal)
            },
            outbox: outbox, externalURL: section.externalURL,
            notificationLogRetention: section.notificationLogRetention, silenceRetention: section.silenceRetention)
    }

    private static func routeSpec(_ route: Configuration.RouteSection) -> RouteSpec {
        RouteSpec(
            receiver: route.receiver, groupBy: route.groupBy, groupWait: route.groupWait,
            groupInterval: route.groupInterval, repeatInterval: route.repeatInterval, matchers: route.matchers,
            continueMatching: route.continueMatching, routes: route.routes.map(routeSpec))
    }

    private static func integration(_ section: Configuration.IntegrationSection, environment: [String: String])
        throws -> IntegrationConfig
    {
        let url = try section.url.resolve(environment: environment)
        do {
            _ = try EndpointURL(parsing: url)
        } catch let error as InfermonError {
            throw InfermonError.invalidInput(error.message, at: section.url.location)
        }
        var secret: WebhookSecret?
        if let source = section.secret {
            do {
                secret = try WebhookSecret(try source.resolve(environment: environment))
            } catch let error as InfermonError where error.location == nil {
                throw InfermonError.invalidInput(error.message, at: source.location)
            }
        }
        let endpoint = EndpointConfig(
            url: url, secret: secret, timeout: section.timeout,
            sendResolved: section.sendResolved ?? (section.kind != .slack),
            rateLimit: section.rateLimit.map { RateLimit(perSecond: $0.perSecond, burst: $0.burst) })
        switch section.kind {
        case .webhook: return .webhook(WebhookConfig(endpoint: endpoint, maxAlerts: section.maxAlerts))
        case .slack: return .slack(SlackConfig(endpoint: endpoint, maxAlertsShown: section.maxAlertsShown))
        case .discord: return .discord(DiscordConfig(endpoint: endpoint, username: section.username))
        case .teams: return .teams(TeamsConfig(endpoint: endpoint, maxAlertsShown: section.maxAlertsShown))
        case .alertmanager:
            return .alertmanager(AlertmanagerConfig(endpoint: endpoint, resendInterval: section.resendInterval))
        }
    }
}
