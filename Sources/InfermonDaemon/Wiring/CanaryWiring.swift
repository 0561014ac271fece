import Canary
import InfermonConfig
import InfermonCore
import Logging
import Store

/// Builds the canary service the daemon runs.
package enum CanaryWiring {
    /// The service for `Daemon.make`, or nil when no rollout is configured (or `canaries.enabled` is false).
    static func service(config: Configuration, store: SQLiteStore, clock: any WallClock) -> CanaryService? {
        guard config.canaries.enabled, !config.canaries.rollouts.isEmpty else { return nil }
        return CanaryService(
            reader: store, appender: store, config: config.canaries, clock: clock,
            logger: Logger(label: "infermon.canary"))
    }
}
