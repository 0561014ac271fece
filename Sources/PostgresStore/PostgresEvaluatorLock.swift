public import InfermonCore
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// The election of the one daemon that evaluates rules and detectors and sends
/// notifications: a session-level advisory lock held on a connection of its
/// own. Whoever holds it leads; when that session ends (the process died, its
/// host or network went away) PostgreSQL releases the lock and the next
/// daemon's `tryAcquire` takes it.
///
/// How fast a dead leader is noticed is bounded by `lease`: the lock session
/// asks the server to probe an idle client with TCP keepalives after `lease/3`,
/// every `lease/15`, three times (so a vanished host is dropped within about
/// `0.53 × lease`), followers retry every `lease/5`, and the leader checks its
/// own session every `lease/5` with a timeout of `lease/5`, so it stops
/// leading before the server gives its lock to another.
public final class PostgresEvaluatorLock: Sendable {
    private let connector: PostgresConnector
    private let hostName: String
    public let lease: Duration
    private let clock: any WallClock
    private let logger: Logger
    private let session = Mutex<Session?>(nil)
    private struct Session: Sendable {
        let connection: PostgresConnection
        let guarded: PostgresConnectionGuard
    }
    private static let key = PostgresSchema.evaluatorLock

    public init(store: PostgresStore, lease: Duration, clock: any WallClock = SystemWallClock()) {
        connector = store.connector
        hostName = store.hostName
        self.lease = lease
        self.clock = clock
        logger = store.logger
    }

    /// How often followers try the lock and the leader checks its session.
    public var pollInterval: Duration { lease / 5 }

    /// What this daemon is called in `pg_stat_activity` while it holds the lock.
    public var applicationName: String { "infermon evaluator \(hostName)" }

    /// Tries to take the lock once; true when this daemon now leads.
    public func tryAcquire() async throws -> Bool {
        let session = try await currentSession()
        let logger = self.logger
        do {
            return try await session.guarded.run(timeout: silence("try the lock")) {
                for try await acquired in try await session.connection.query(
                    "SELECT pg_try_advisory_lock(\(Self.key))", logger: logger
                ).decode(Bool.self) {
                    return acquired
                }
                return false
            }
        } catch {
            await drop(session.connection)
            throw error
        }
    }

    /// Completes while the lock session is alive and holds the lock; throws when
    /// the session is gone, does not answer within `pollInterval`, or lost the lock.
    public func check() async throws {
        guard let session = session.withLock({ $0 }), !session.connection.isClosed else {
            throw InfermonError.unavailable("the evaluator lock session is closed")
        }
        let logger = self.logger
        let timedOut = InfermonError.unavailable("the evaluator lock session did not answer within \(pollInterval)")
        let held: Bool
        do {
            // The session's guard ends the wait when the connection closes or
            // `pollInterval` passes, even if the query itself never returns.
            held = try await session.guarded.run(
                timeout: { [clock, pollInterval] in
                    try? await clock.sleep(for: pollInterval)
                    return timedOut
                }
            ) {
                var held = false
                for try await count in try await session.connection.query(
                    """
                    SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
                      AND pid = pg_backend_pid() AND objsubid = 1
                      AND ((classid::bigint << 32) | objid::bigint) = \(Self.key)
                    """, logger: logger
                ).decode(Int64.self) {
                    held = count > 0
                }
                return held
            }
        } catch {
            await drop(session.connection)
            throw error
        }
        guard held else { throw InfermonError.unavailable("the evaluator lock is no longer held") }
    }

    /// Releases the lock by closing its session.
    public func release() async {
        let connection = session.withLock { current -> PostgresConnection? in
            defer { current = nil }
            return current?.connection
        }
        if let connection { try? await connection.close() }
    }

    /// The application name of the session holding the lock (`infermon evaluator HOST`), or nil when none does.
    public static func holder(store: PostgresStore) throws -> String? {
        try store.readers.withConnection { connection in
            try connection.rows(
                """
                SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                  AND ((l.classid::bigint << 32) | l.objid::bigint) = \(key)
                """, logger: store.logger
            ).first?.decode(String.self)
        }
    }

    private func currentSession() async throws -> Session {
        if let current = session.withLock({ $0 }), !current.connection.isClosed { return current }
        let connection = try await connector.connect()
        let fresh = Session(connection: connection, guarded: PostgresConnectionGuard(connection))
        let seconds = max(1, Int(lease.components.seconds))
        let statements = [
            "SET application_name = '\(applicationName.filter { $0 != "'" })'",
            "SET tcp_keepalives_idle = \(max(1, seconds / 3))",
            "SET tcp_keepalives_interval = \(max(1, seconds / 15))",
            "SET tcp_keepalives_count = 3",
        ]
        let logger = self.logger
        do {
            try await fresh.guarded.run(timeout: silence("set up its session")) {
                for statement in statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
            }
        } catch {
            try? await connection.close()
            throw error
        }
        let previous = session.withLock { current -> PostgresConnection? in
            defer { current = fresh }
            return current?.connection
        }
        if let previous { try? await previous.close() }
        return fresh
    }

    /// Ends a wait on a server that went silent (its host or network gone, no
    /// RST) after a lease, so a follower goes on trying instead of waiting for TCP.
    private func silence(_ what: String) -> @Sendable () async -> any Error {
        { [clock, lease] in
            try? await clock.sleep(for: lease)
            return InfermonError.unavailable("the database did not \(what) within \(lease.prometheusText)")
        }
    }

    private func drop(_ connection: PostgresConnection) async {
        session.withLock { current in
            if current?.connection === connection { current = nil }
        }
        try? await connection.close()
    }
}
