public import InfermonCore
public import Logging
import Metrics
public import PostgresStore
public import ServiceLifecycle
import Synchronization

/// Whether this daemon evaluates rules and detectors and sends notifications:
/// always with SQLite, only while it holds the evaluator lock with PostgreSQL.
package final class EvaluatorRole: Sendable {
    private let leading = Atomic<Bool>(false)
    private let gauge = Gauge(label: "infermon_leader")
    /// Who holds the lock, as PostgreSQL names the session (nil with SQLite).
    private let holder: @Sendable () -> String?

    package init(holder: @escaping @Sendable () -> String? = { nil }) { self.holder = holder }

    package var isLeader: Bool { leading.load(ordering: .acquiring) }

    func set(_ value: Bool) {
        leading.store(value, ordering: .releasing)
        gauge.record(value ? 1 : 0)
    }

    /// `leader` or `follower (evaluator: infermon evaluator HOST)`, for status text.
    package var summary: String {
        if isLeader { return "leader" }
        return "follower (evaluator: \(holder() ?? "none"))"
    }
}

/// Runs the evaluating services (rules, detectors, notification, …) only while
/// this daemon holds the PostgreSQL evaluator lock. A follower tries the lock
/// every `lease/5`; once it has it, it starts the services, which reload what
/// the last evaluator stored (alert states, the notification log, the outbox)
/// and carry on. A leader that cannot confirm its lock within `lease/5` stops
/// the daemon (it exits non-zero and systemd restarts it as a follower) rather
/// than evaluate beside the next leader.
package struct EvaluatorElection: Service {
    let lock: PostgresEvaluatorLock
    let role: EvaluatorRole
    let services: [any Service]
    let clock: any WallClock
    let logger: Logger

    package init(
        lock: PostgresEvaluatorLock, role: EvaluatorRole, services: [any Service], clock: any WallClock,
        logger: Logger
    ) {
        self.lock = lock
        self.role = role
        self.services = services
        self.clock = clock
        self.logger = logger
    }

    package func run() async throws {
        role.set(false)
        defer { role.set(false) }
        let acquired: Bool
        do {
            acquired = try await cancelWhenGracefulShutdown { try await acquire() }
        } catch is CancellationError {
            await lock.release()
            return
        }
        guard acquired else {
            await lock.release()
            return
        }
        role.set(true)
        logger.notice("this daemon is now the evaluator", metadata: ["lease": "\(lock.lease)"])
        let group = ServiceGroup(
            configuration: .init(services: services.map { .init(service: $0) }, logger: logger))
        do {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                tasks.addTask {
                    do {
                        try await cancelWhenGracefulShutdown { try await watch() }
                    } catch is CancellationError {
                        return
                    }
                }
                // On graceful shutdown both end; a lost lock (or a failed service) throws
                // here, and leaving the group cancels the other.
                while try await tasks.next() != nil {}
            }
        } catch {
            role.set(false)
            await lock.release()
            logger.error("stopped evaluating; the daemon stops", metadata: ["error": "\(error)"])
            throw error
        }
        await lock.release()
    }

    /// Tries the lock every `pollInterval` until it is taken; true then, false if cancelled.
    private func acquire() async throws -> Bool {
        var announced = false
        while !Task.isCancelled {
            do {
                if try await lock.tryAcquire() { return true }
                if !announced {
                    logger.info("another daemon is the evaluator; this one collects and waits")
                    announced = true
                }
            } catch {
                logger.warning("cannot try the evaluator lock", metadata: ["error": "\(error)"])
            }
            try await clock.sleep(for: lock.pollInterval)
        }
        return false
    }

    /// Confirms the lock every `pollInterval`; throws when it is lost.
    private func watch() async throws {
        while !Task.isCancelled {
            try await clock.sleep(for: lock.pollInterval)
            try await lock.check()
        }
    }
}
