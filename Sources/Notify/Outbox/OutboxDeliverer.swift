public import InfermonCore
public import Logging
import Synchronization

/// Sends what the outbox holds. Each integration's messages go one at a time,
/// oldest first; integrations proceed side by side. A message leaves the
/// outbox only after a 2xx, or when it is dead-lettered (refused for good,
/// expired, or its receiver is gone). Started on an existing store, the first
/// pass sends whatever an earlier process left behind.
public final class OutboxDeliverer: Sendable {
    private let outbox: any NotificationOutbox
    private let notifiers: [String: any Notifier]
    private let options: OutboxOptions
    private let clock: any WallClock
    private let logger: Logger
    private let random: @Sendable () -> Double
    private let limiter = RateLimiter()
    private let counters = Mutex<[String: DeliveryCounters]>([:])

    public init(
        outbox: any NotificationOutbox, notifiers: [any Notifier], options: OutboxOptions,
        clock: any WallClock = SystemWallClock(), logger: Logger,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.outbox = outbox
        self.notifiers = Dictionary(notifiers.map { ($0.integration, $0) }, uniquingKeysWith: { first, _ in first })
        self.options = options
        self.clock = clock
        self.logger = logger
        self.random = random
    }

    /// Sends every message that may go now, and returns when the next one may
    /// (nil when the outbox is empty).
    @discardableResult
    public func deliverDue() async throws -> Timestamp? {
        while true {
            let heads = try await outbox.outboxHeads()
            if heads.isEmpty { return nil }
            let now = clock.now()
            let steps = try await withThrowingTaskGroup(of: Step.self) { group in
                for head in heads { group.addTask { try await self.attempt(head, now: now) } }
                var steps: [Step] = []
                for try await step in group { steps.append(step) }
                return steps
            }
            if steps.contains(where: { if case .progressed = $0 { true } else { false } }) { continue }
            return steps.compactMap { if case .wait(let time) = $0 { time } else { nil } }.min()
        }
    }

    /// Per-integration counts since this process started.
    public func deliveryCounters() -> [String: DeliveryCounters] { counters.withLock { $0 } }

    private enum Step {
        /// The head left the outbox; the next message may be due at once.
        case progressed
        case wait(Timestamp)
    }

    private func attempt(_ message: OutboxMessage, now: Timestamp) async throws -> Step {
        guard let notifier = notifiers[message.integration] else {
            try await deadLetter(message, reason: "receiver integration is no longer configured", now: now)
            return .progressed
        }
        if now >= message.expiresAt {
            let last = message.lastError.map { ": last error: \($0)" } ?? ""
            try await deadLetter(
                message, reason: "not delivered within the TTL (\(message.attempts) attempts)\(last)", now: now)
            return .progressed
        }
        if message.nextAttemptAt > now { return .wait(min(message.nextAttemptAt, message.expiresAt)) }
        let allowed = limiter.nextAllowed(message.integration, limit: notifier.rateLimit, now: now)
        if allowed > now { return .wait(min(allowed, message.expiresAt)) }
        limiter.consume(message.integration, limit: notifier.rateLimit, now: now)

        let result = await notifier.notify(message)
        let after = clock.now()
        switch result {
        case .delivered:
            try await outbox.markDelivered(id: message.id)
            count(message.integration) { $0.delivered += 1 }
            logger.debug(
                "notification delivered",
                metadata: [
                    "integration": "\(message.integration)", "id": "\(message.id)",
                    "attempt": "\(message.attempts + 1)",
                ])
            return .progressed
        case .failed(let reason, false, _):
            count(message.integration) { $0.failedAttempts += 1 }
            try await deadLetter(message, reason: "refused: \(reason)", now: after)
            return .progressed
        case .failed(let reason, true, let retryAfter):
            count(message.integration) { $0.failedAttempts += 1 }
            let attempts = message.attempts + 1
            var next = after + options.backoff(attempt: attempts, random: random())
            if let retryAfter {
                next = max(after, retryAfter)
                limiter.block(message.integration, until: next)
            }
            next = min(next, message.expiresAt)
            try await outbox.reschedule(id: message.id, attempts: attempts, nextAttemptAt: next, error: reason)
            logger.warning(
                "notification failed, will retry",
                metadata: [
                    "integration": "\(message.integration)", "id": "\(message.id)", "attempt": "\(attempts)",
                    "retry_in_ms": "\(next - after)", "error": "\(reason)",
                ])
            return .wait(next)
        }
    }

    private func deadLetter(_ message: OutboxMessage, reason: String, now: Timestamp) async throws {
        try await outbox.deadLetter(id: message.id, reason: reason, at: now)
        count(message.integration) { $0.deadLettered += 1 }
        logger.error(
            "notification dead-lettered",
            metadata: [
                "integration": "\(message.integration)", "id": "\(message.id)", "group": "\(message.groupKey)",
                "attempts": "\(message.attempts)", "reason": "\(reason)",
            ])
    }

    private func count(_ integration: String, _ change: (inout DeliveryCounters) -> Void) {
        counters.withLock { change(&$0[integration, default: DeliveryCounters()]) }
    }
}

/// What one integration's deliveries came to.
public struct DeliveryCounters: Sendable, Equatable {
    public var delivered = 0
    public var failedAttempts = 0
    public var deadLettered = 0
    public init() {}
}
