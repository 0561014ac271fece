import InfermonConfig
import InfermonCore
import InfermonDaemon
import Store

/// Opens the configured store (SQLite or PostgreSQL, as `infermon serve` does)
/// for a one-shot command, runs `body` with it and closes it, so a PostgreSQL
/// connection is ended before the command exits, whether `body` succeeds or not.
func withConfiguredStore<T>(_ configuration: Configuration, _ body: (StoreBackend) async throws -> T) async throws
    -> T
{
    let backend = try await StoreBackend.openForCommand(config: configuration, environment: processEnvironment)
    let result: T
    do {
        result = try await body(backend)
    } catch {
        await backend.store.closeStore()
        throw StoreBackend.commandError(error, config: configuration)
    }
    await backend.store.closeStore()
    return result
}
