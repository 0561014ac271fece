import Logging
import Server
import ServiceLifecycle

/// The last service of the group: once it runs, the store is open and every
/// collector has been started, so the daemon is ready; on shutdown it is the
/// first to stop and withdraws readiness before anything else goes away.
struct ReadinessService: Service {
    let readiness: Readiness
    let logger: Logger

    func run() async throws {
        readiness.set(ready: true, reason: "")
        logger.info("infermon ready")
        try? await gracefulShutdown()
        readiness.set(ready: false, reason: "shutting down")
    }
}
