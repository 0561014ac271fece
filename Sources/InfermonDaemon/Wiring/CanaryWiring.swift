import Canary
import InfermonConfig
import InfermonCore
import Logging
import Store

/// Builds the canary service the daemon runs.
package enum CanaryWiring {
    /// The service for `Daemon.make`. It runs even without rollouts (a pass over
    /// none costs nothing), so a reload can add the first one.
    static func service(config: Configuration, store: any DaemonStore, clock: any WallClock) -> CanaryService {
        CanaryService(
            reader: store, appender: store, config: config.canaries, clock: clock,
            logger: Logger(label: "infermon.canary"))
    }
}

/// `canaries:` follows a reload: the section was checked (with file:line:col)
/// when the file was read, so a bad one never reaches here and the rollouts in
/// force stay.
struct CanaryParticipant: ReloadParticipant {
    let service: CanaryService

    func prepare(_ config: Configuration) async throws -> @Sendable () async -> Void {
        let canaries = config.canaries
        return { service.replace(canaries) }
    }
}
