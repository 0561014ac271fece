import Foundation
package import InfermonConfig
package import InfermonCore
package import Logging
import PostgresStore
package import Store

/// What the one-shot commands need of either backend beyond `DaemonStore`.
extension StoreBackend {
    /// `infermon sql`: one read-only statement. SQLite opens the file read-only
    /// with an authorizer; PostgreSQL runs it in a READ ONLY transaction on a
    /// connection of its own (no migration, so a role that may only read works).
    package static func readOnlySQL(
        config: Configuration, environment: [String: String], sql: String, rowLimit: Int, timeoutMillis: Int64
    ) async throws -> SQLResult {
        switch config.storage.backend {
        case .sqlite:
            let path = config.storage.resolvedPath(environment: environment)
            guard FileManager.default.fileExists(atPath: path) else { throw InfermonError.io("no store at \(path)") }
            return try ReadOnlySQL(path: path).query(sql, rowLimit: rowLimit, timeoutMillis: timeoutMillis)
        case .postgres:
            guard let settings = config.storage.postgres else {
                throw InfermonError.invalidArgument("storage.backend postgres needs a storage.postgres section")
            }
            return try await PostgresReadOnlySQL.query(
                settings: settings, sql: sql, rowLimit: rowLimit, timeoutMillis: timeoutMillis,
                logger: Logger(label: "infermon.sql"))
        }
    }

    /// The configured store for a one-shot command; a PostgreSQL failure said for a person.
    /// `eventWriter` for a command that writes events (`infermon ingest`; see `SQLiteStore.init`).
    package static func openForCommand(
        config: Configuration, environment: [String: String], eventWriter: Bool = false
    ) async throws -> StoreBackend {
        do {
            return try await open(
                config: config, environment: environment, health: nil, eventWriter: eventWriter,
                logger: Logger(label: "infermon.store"))
        } catch {
            throw commandError(error, config: config)
        }
    }

    /// PostgresNIO's errors print as "PSQLError – Generic description…": the server's message instead.
    package static func commandError(_ error: any Error, config: Configuration) -> any Error {
        guard config.storage.backend == .postgres else { return error }
        return PostgresErrorText.describe(error, url: config.storage.postgres?.redactedURL ?? "postgres")
    }

    /// `infermon stats`: counts, time range, dead letters, checkpoints and size.
    package func stats() throws -> StoreStats {
        switch self {
        case .sqlite(let store): try store.stats()
        case .postgres(let store): try store.stats()
        }
    }
}
