public import InfermonCore
public import Logging
import Metrics
import Notify
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
/// and carry on. A leader that cannot confirm its lock within `lease/5` (its
/// session is gone: PostgreSQL restarted, or this host lost the network) stops
/// the services rather than evaluate beside the next leader, and becomes a
/// follower trying the lock again: after a PostgreSQL restart one of the
/// daemons (often the same) takes it as soon as the database is back, and no
/// daemon exits, even when a service fails for the same reason (it met the dead
/// database first, or in its handover write). A service that fails while this
/// daemon still holds the lock stops the daemon.
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
        do {
            while try await cancelWhenGracefulShutdown({ try await acquire() }) {
                role.set(true)
                logger.notice("this daemon is now the evaluator", metadata: ["lease": "\(lock.lease)"])
                let lost = try await lead()
                role.set(false)
                await lock.release()
                guard let lost else { break }
                logger.warning(
                    "lost the evaluator lock; stopped evaluating, trying to take it again",
                    metadata: ["error": "\(lost)"])
            }
        } catch is CancellationError {
        } catch {
            role.set(false)
            await lock.release()
            await finish()
            logger.error("evaluating failed; the daemon stops", metadata: ["error": "\(error)"])
            throw error
        }
        await lock.release()
        await finish()
    }

    /// One term as evaluator: the services run until graceful shutdown (nil) or
    /// until the lock is lost (its error; the services are stopped first).
    private func lead() async throws -> String? {
        let group = ServiceGroup(
            configuration: .init(services: services.map { .init(service: TermService(service: $0)) }, logger: logger))
        return try await withThrowingTaskGroup(of: String?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            tasks.addTask {
                do {
                    try await cancelWhenGracefulShutdown { try await watch() }
                } catch is CancellationError {
                    return nil
                } catch {
                    return "\(error)"
                }
                return nil
            }
            var lost: String?
            // On graceful shutdown both end; a lost lock stops the services (gracefully:
            // they hand over what they hold) and ends the term; a failed service throws here.
            while true {
                let next: String??
                do {
                    next = try await tasks.next()
                } catch {
                    // A service failed. When the lock went with its session, most often
                    // because PostgreSQL restarted, the service met the same dead database
                    // (in its handover write, or before the watch noticed): the term is
                    // over, and the daemon stays up to try the lock again rather than exit
                    // while the database comes back. With the lock still held, it is the
                    // service's own failure, and it stops the daemon.
                    if lost == nil, (try? await lock.check()) != nil { throw error }
                    logger.warning(
                        "a service failed and the evaluator lock is gone; ending the term",
                        metadata: ["error": "\(error)"])
                    if lost == nil {
                        lost = "the lock was gone when a service failed: \(error)"
                        role.set(false)
                        await group.triggerGracefulShutdown()
                    }
                    tasks.cancelAll()
                    continue
                }
                guard let next else { break }
                if let next {
                    lost = next
                    role.set(false)
                    await group.triggerGracefulShutdown()
                }
            }
            return lost
        }
    }

    /// What outlives the terms (notification's HTTP client) is released once, at the end.
    private func finish() async {
        for case let notifications as NotificationService in services {
            try? await notifications.shutdown()
        }
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

/// A service as one term of evaluating: notification runs without closing its
/// HTTP client, so the next term can use it again.
private struct TermService: Service {
    let service: any Service

    func run() async throws {
        if let notifications = service as? NotificationService {
            await notifications.runTerm()
        } else {
            try await service.run()
        }
    }
}
