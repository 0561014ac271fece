import InfermonConfig
public import InfermonCore
import Logging
public import Performance

/// Builds the model-performance service from the Performance module's own options.
package enum PerformanceWiring {
    /// The service for `Daemon.make`, or nil when `performance.enabled` is false; on
    /// either store, which joins the labels and takes the backfilled windows.
    static func service(
        config: Configuration, store: any PredictionStore & BackfillAppender & SampleAppender, clock: any WallClock
    ) -> PerformanceService? {
        guard config.performance.enabled else { return nil }
        return PerformanceService(
            options: config.performance, store: store, backfill: store, appender: store, clock: clock,
            logger: Logger(label: "infermon.performance"))
    }
}
