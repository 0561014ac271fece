import InfermonCore
import InfermonTesting
import Logging
import PostgresNIO
import ServiceLifecycle
import Store
import Synchronization
import Testing

@testable import InfermonDaemon
@testable import PostgresStore

/// The election on a real PostgreSQL that dies under it: the term ends, the
/// daemon does not.
@Suite("Evaluator election", .serialized)
struct EvaluatorElectionTests {
    static let logger = Logger(label: "evaluator-election-test")

    final class Terms: Sendable {
        let count = Atomic<Int>(0)
        let failNow = Atomic<Bool>(false)
    }

    struct Failure: Error {}

    /// Evaluates until told to fail, as a rule group or detector whose read
    /// meets a database that has gone; it fails also when told so while the
    /// term is stopping (its handover write failing).
    struct FailsWhenTold: Service {
        let terms: Terms

        func run() async throws {
            terms.count.add(1, ordering: .relaxed)
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                if terms.failNow.exchange(false, ordering: .relaxed) { throw Failure() }
                try? await Task.sleep(for: .milliseconds(10))
            }
            if terms.failNow.exchange(false, ordering: .relaxed) { throw Failure() }
        }
    }

    @Test func aServiceFailingAfterTheLocksSessionDiedEndsTheTermNotTheDaemon() async throws {
        guard PostgresProcess.binDirectory != nil else {
            Issue.record(Comment(rawValue: PostgresProcess.notInstalled))
            return
        }
        let server = try await PostgresProcess(settings: ["fsync": "off"])
        var settings = try PostgresSettings(url: server.url)
        settings.passwordFile = server.passwordFile
        settings.hostName = "election-test"
        let store = try await PostgresStore.open(settings: settings, logger: Self.logger)
        let terms = Terms()
        let role = EvaluatorRole()
        let election = EvaluatorElection(
            lock: PostgresEvaluatorLock(store: store, lease: .seconds(3)), role: role,
            services: [FailsWhenTold(terms: terms)], clock: SystemWallClock(), logger: Self.logger)
        let running = Task { try await election.run() }

        #expect(try await waitUntil(timeoutSeconds: 30) { role.isLeader })
        // The lock's session dies (as when PostgreSQL restarts) and the service
        // fails at once, before the lock's watch (every lease/5) notices.
        let ended = try store.readers.withConnection { connection in
            try connection.rows(
                """
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE application_name = 'infermon evaluator election-test'
                """, logger: Self.logger
            ).count
        }
        #expect(ended == 1)
        terms.failNow.store(true, ordering: .relaxed)
        let secondTerm = try await waitUntil(timeoutSeconds: 60) {
            role.isLeader && terms.count.load(ordering: .relaxed) == 2
        }
        #expect(secondTerm, "the election stopped instead of taking the lock again")

        // With the lock held, a failing service is the service's own failure: the election throws.
        terms.failNow.store(true, ordering: .relaxed)
        await #expect(throws: Failure.self) { try await running.value }
        #expect(!role.isLeader)
        await store.close()
        try await server.stop()
    }
}
