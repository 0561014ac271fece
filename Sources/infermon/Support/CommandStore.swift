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

/// The SQLite store for a command that needs state PostgreSQL does not hold
/// yet; on `backend: postgres` it refuses, naming the command and what it lacks.
func openSQLiteOnly(_ configuration: Configuration, command: String, needs: String) throws -> SQLiteStore {
    guard configuration.storage.backend == .sqlite else {
        throw InfermonError.unavailable(
            "\(command) runs on SQLite only for now: it needs \(needs), which the PostgreSQL store does not hold yet "
                + "(storage.backend is postgres; see README, PostgreSQL)")
    }
    return try Daemon.openStore(for: configuration)
}
