public import InfermonCore
public import Logging
public import ServiceLifecycle

/// Notification as one service: the dispatcher loop (group timers) and the
/// outbox delivery loop. Hand `sink` to the rule engine and `silences` to the
/// HTTP API. On start it restores the notification log and sends whatever an
/// earlier process left in the outbox.
public final class NotificationService: Service, Sendable {
    public let dispatcher: NotificationDispatcher
    public let deliverer: OutboxDeliverer
    public let silences: Silences
    private let transport: WebhookTransport
    private let clock: any WallClock
    private let health: ComponentHealth?
    private let logger: Logger
    private let dispatchWakeup = Wakeup()
    private let deliveryWakeup = Wakeup()
    private let outbox: any NotificationOutbox
    private let outboxTTL: Duration
    /// Each receiver's integrations (`receiver/kind[index]`), by receiver name.
    public let integrations: [String: [String]]

    /// Where the rule engine sends alerts.
    public var sink: any AlertSink { dispatcher }

    public init(
        configuration: NotifyConfiguration, store: any NotificationPersistence,
        clock: any WallClock = SystemWallClock(), health: ComponentHealth? = nil, logger: Logger
    ) throws {
        self.health = health
        let root = try configuration.makeRoute()
        let transport = WebhookTransport(clock: clock)
        let notifiers: [String: [any Notifier]]
        do {
            notifiers = try configuration.makeNotifiers(transport: transport)
        } catch {
            try? transport.syncShutdown()
            throw error
        }
        self.transport = transport
        self.clock = clock
        self.logger = logger
        outbox = store
        outboxTTL = configuration.outbox.ttl
        integrations = notifiers.mapValues { $0.map(\.integration) }
        silences = Silences(store: store, clock: clock, retention: configuration.silenceRetention)
        deliverer = OutboxDeliverer(
            outbox: store, notifiers: notifiers.values.flatMap { $0 }, options: configuration.outbox, clock: clock,
            logger: logger)
        let dispatchWakeup = dispatchWakeup
        let deliveryWakeup = deliveryWakeup
        dispatcher = NotificationDispatcher(
            root: root, notifiers: notifiers, inhibitRules: configuration.inhibitRules, silences: silences,
            store: store, clock: clock, logger: logger,
            options: .init(
                externalURL: configuration.externalURL, outboxTTL: configuration.outbox.ttl,
                logRetention: configuration.notificationLogRetention),
            onEnqueue: { deliveryWakeup.signal() }, onSchedule: { dispatchWakeup.signal() })
    }

    public func run() async throws {
        await runTerm()
        try await shutdown()
    }

    /// `run` without closing the HTTP client at the end, for an owner that runs
    /// the service again later (the PostgreSQL evaluator stepping down and back
    /// up) and calls `shutdown()` once it is done with it.
    public func runTerm() async {
        do {
            try await dispatcher.restore()
        } catch {
            logger.error("cannot restore the notification log", metadata: ["error": "\(error)"])
        }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.dispatchLoop() }
                group.addTask { await self.deliveryLoop() }
                await group.waitForAll()
            }
        }
    }

    /// Closes the HTTP client; after `runTerm`, once.
    public func shutdown() async throws { try await transport.shutdown() }

    /// Queues a message that is not an alert (a scheduled report) for `integrations`, with
    /// the outbox's TTL, and wakes the delivery loop: it is sent, retried and
    /// dead-lettered as notifications are. Returns the messages queued.
    @discardableResult
    public func enqueue(
        body: [UInt8], id: String, groupKey: String, integrations: [String]
    ) async throws -> [OutboxMessage] {
        let now = clock.now()
        let messages = integrations.map { integration in
            OutboxMessage(
                id: integrations.count == 1 ? id : "\(id)-\(integration)", integration: integration,
                groupKey: groupKey, body: body, createdAt: now, expiresAt: now + outboxTTL.millis)
        }
        guard !messages.isEmpty else { return [] }
        try await outbox.enqueue(messages, log: [])
        deliveryWakeup.signal()
        return messages
    }

    /// Names in `ComponentHealth`: down while the store refuses what they
    /// write (they keep trying). A receiver that is down is not one of these:
    /// its messages wait in the outbox and `infermon_notifications_failed_attempts` counts.
    public static let dispatchComponent = "notifier:dispatch"
    public static let outboxComponent = "notifier:outbox"

    private func report(_ component: String, failure: String?) {
        guard let health else { return }
        if let failure {
            health.down(component, error: failure, now: clock.now())
        } else {
            health.up(component, now: clock.now())
        }
    }

    private func dispatchLoop() async {
        while !Task.isCancelled {
            let next = await dispatcher.flushDue()
            report(Self.dispatchComponent, failure: await dispatcher.storeFailure)
            await dispatchWakeup.wait(until: next, clock: clock)
        }
    }

    private func deliveryLoop() async {
        while !Task.isCancelled {
            var next: Timestamp?
            do {
                next = try await deliverer.deliverDue()
                report(Self.outboxComponent, failure: nil)
            } catch {
                report(Self.outboxComponent, failure: "\(error)")
                logger.error("outbox delivery failed", metadata: ["error": "\(error)"])
                next = clock.now() + 1_000
            }
            await deliveryWakeup.wait(until: next, clock: clock)
        }
    }
}
