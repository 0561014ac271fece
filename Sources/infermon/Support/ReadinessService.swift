import Logging
import ServiceLifecycle

/// Runs after every other service has been started: announces readiness, then
/// waits for shutdown. (systemd's READY=1 belongs here too.)
struct ReadinessService: Service {
    let logger: Logger

    func run() async throws {
        logger.info("infermon ready")
        try? await gracefulShutdown()
    }
}
