import InfermonConfig
import InfermonCore
import Logging
import Notify
import Store

/// Builds the notification service from the `notifications:` section, its
/// receivers' URLs and secrets read from their files or environment variables.
enum NotifyWiring {
    /// The service to add to the daemon, or nil when no route is configured.
    static func makeService(
        config: Configuration, store: any NotificationPersistence, environment: [String: String],
        clock: any WallClock = SystemWallClock(), health: ComponentHealth? = nil
    ) throws -> NotificationService? {
        guard let configuration = try config.notifications.resolve(environment: environment) else { return nil }
        return try NotificationService(
            configuration: configuration, store: store, clock: clock, health: health,
            logger: Logger(label: "infermon.notify"))
    }
}
