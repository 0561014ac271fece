import Logging
import Server
import ServiceLifecycle

/// The last service of the group: once it runs, the store is open and every
/// other service has been started, so the daemon is ready (and tells systemd);
/// on shutdown it is the first to stop and withdraws readiness before anything
/// else goes away.
struct ReadinessService: Service {
    let readiness: Readiness
    let notifier: SystemdNotifier
    let status: @Sendable () async -> String
    let logger: Logger

    func run() async throws {
        readiness.set(ready: true, reason: "")
        notifier.ready(status: await status())
        logger.info("infermon ready")
        try? await gracefulShutdown()
        notifier.stopping()
        readiness.set(ready: false, reason: "shutting down")
    }
}
