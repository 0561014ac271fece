import InfermonCore
import Logging
import PostgresNIO
import Store

/// Bringing the schema to this binary's version, and nothing more: a schema
/// already current is only read (no lock, no DDL), so operators and dashboard
/// hosts open the store with a role that may only read, or write rows but not
/// change the schema. Only a missing or older schema needs a role that may
/// create tables, and then the error says so instead of PostgreSQL's bare
/// "permission denied".
extension PostgresStore {
    /// Runs the migrations not yet applied, under a session advisory lock, so
    /// daemons and commands starting together migrate once (each re-reads the
    /// version once it holds the lock).
    static func migrate(_ connection: PostgresConnection, settings: PostgresSettings, logger: Logger) async throws {
        let target = PostgresSchema.steps.count
        let found = try await schemaVersion(connection, logger: logger)
        try checkNotNewer(found)
        if found == target { return }
        do {
            try await connection.query("SELECT pg_advisory_lock(\(PostgresSchema.migrationLock))", logger: logger)
            do {
                try await migrateHoldingLock(connection, logger: logger)
            } catch {
                _ = try? await connection.query(
                    "SELECT pg_advisory_unlock(\(PostgresSchema.migrationLock))", logger: logger)
                throw error
            }
            try await connection.query("SELECT pg_advisory_unlock(\(PostgresSchema.migrationLock))", logger: logger)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == insufficientPrivilege {
            throw mayNotMigrate(found: found, settings: settings, reason: error.serverInfo?[.message] ?? "\(error)")
        }
    }

    /// PostgreSQL's SQLSTATE for "permission denied" and "must be owner".
    static let insufficientPrivilege = "42501"

    /// The schema's version without creating anything; nil when the database has no infermon schema.
    static func schemaVersion(_ connection: PostgresConnection, logger: Logger) async throws -> Int? {
        var exists = false
        for try await value in try await connection.query(
            "SELECT to_regclass('schema_version') IS NOT NULL", logger: logger
        ).decode(Bool.self) {
            exists = value
        }
        guard exists else { return nil }
        var version = 0
        for try await value in try await connection.query(
            "SELECT coalesce(max(version), 0) FROM schema_version", logger: logger
        ).decode(Int.self) {
            version = value
        }
        return version
    }

    private static func checkNotNewer(_ version: Int?) throws {
        if let version, version > PostgresSchema.steps.count {
            throw InfermonError.storage(
                "database schema version \(version) is newer than this infermon knows (\(PostgresSchema.steps.count))")
        }
    }

    private static func migrateHoldingLock(_ connection: PostgresConnection, logger: Logger) async throws {
        // Another opener may have migrated while this one waited for the lock.
        let found = try await schemaVersion(connection, logger: logger)
        try checkNotNewer(found)
        if found == nil {
            try await connection.query("CREATE TABLE schema_version (version integer NOT NULL)", logger: logger)
        }
        for index in (found ?? 0)..<PostgresSchema.steps.count {
            try await connection.query("BEGIN", logger: logger)
            do {
                for statement in splitStatements(PostgresSchema.steps[index]) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("DELETE FROM schema_version", logger: logger)
                try await connection.query("INSERT INTO schema_version VALUES (\(index + 1))", logger: logger)
                try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
            logger.info("postgres schema migrated", metadata: ["version": "\(index + 1)"])
        }
    }

    /// What a role without the right to change the schema is told when it is missing or old.
    static func mayNotMigrate(found: Int?, settings: PostgresSettings, reason: String) -> InfermonError {
        let target = PostgresSchema.steps.count
        let state =
            found.map { "the database's infermon schema is at version \($0) and this infermon needs version \(target)" }
            ?? "the database has no infermon schema yet"
        return InfermonError.unavailable(
            "PostgreSQL at \(settings.redactedURL): \(state): the schema must be migrated first, by infermon serve "
                + "or any infermon command run as a role that may change it (the owner of infermon's tables, "
                + "with CREATE on its schema); role \"\(settings.user)\" may not (\(reason))")
    }

    /// Statements of a migration step: split at a `;` that ends a line outside a `$$` body.
    static func splitStatements(_ script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var inBody = false
        for line in script.split(separator: "\n", omittingEmptySubsequences: false) {
            if !inBody && line.trimmingSpaces.hasPrefix("--") { continue }
            current += line + "\n"
            if line.ranges(of: "$$").count % 2 == 1 { inBody.toggle() }
            if !inBody && line.hasSuffix(";") {
                statements.append(String(current.dropLast(2)))
                current = ""
            }
        }
        if !current.trimmingSpaces.isEmpty { statements.append(current) }
        return statements
    }
}
