import InfermonCore
import Logging
import ServiceLifecycle

/// Pings systemd's watchdog at half of `WATCHDOG_USEC`, but only while the
/// daemon's main loop answers its health probe, so a wedged store or collector
/// gets the process restarted. Also refreshes `STATUS=` with the ingest rate.
struct WatchdogService: Service {
    let notifier: SystemdNotifier
    let clock: any WallClock
    let statusInterval: Duration
    /// True when the daemon can still do its work (e.g. the store's writer answers).
    let healthy: @Sendable () async -> Bool
    let status: @Sendable () async -> String
    let logger: Logger

    func run() async throws {
        guard notifier.isActive else {
            // Not under systemd: nothing to do, but a service that returns early stops the whole group.
            try? await gracefulShutdown()
            return
        }
        let watchdogPeriod = notifier.watchdogInterval.map { max($0.millis / 2, 1) }
        var nextStatus = clock.now() + statusInterval.millis
        var nextPing = clock.now()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let now = clock.now()
            if let watchdogPeriod, now >= nextPing {
                if await healthy() {
                    notifier.watchdog()
                } else {
                    logger.error("health probe failed; withholding the watchdog ping")
                }
                nextPing = now + watchdogPeriod
            }
            if now >= nextStatus {
                notifier.status(await status())
                nextStatus = now + statusInterval.millis
            }
            let wake = min(watchdogPeriod.map { _ in nextPing } ?? nextStatus, nextStatus)
            try? await cancelWhenGracefulShutdown { try await clock.sleep(until: wake) }
        }
    }
}
