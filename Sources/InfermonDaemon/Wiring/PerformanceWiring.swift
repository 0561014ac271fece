import InfermonConfig
public import InfermonCore
import Logging
public import Performance
public import Store

/// Builds the model-performance service from the Performance module's own options.
package enum PerformanceWiring {
    /// The service for `Daemon.make`, or nil when `performance.enabled` is false.
    static func service(config: Configuration, store: SQLiteStore, clock: any WallClock) -> PerformanceService? {
        guard config.performance.enabled else { return nil }
        return PerformanceService(
            options: config.performance, store: store, backfill: store, appender: store, clock: clock,
            logger: Logger(label: "infermon.performance"))
    }
}
