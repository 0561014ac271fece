import Logging
import ServiceLifecycle
import UnixSignals

/// Turns SIGHUP into a configuration reload (`ExecReload=/bin/kill -HUP $MAINPID`).
struct ReloadSignalService: Service {
    let coordinator: ReloadCoordinator

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                await coordinator.reload(trigger: "SIGHUP")
            }
        }
    }
}
