public import InfermonCore
public import Logging

/// Routing, grouping, muting and deduplication, with Alertmanager's timing, on
/// an injected clock. Alerts come in through `send` (the rule engine's
/// `AlertSink`); `flushDue` flushes the groups whose time has come and writes
/// what must be sent to the outbox together with the notification log, in one
/// transaction. The service calls `flushDue` in a loop; tests call it after
/// moving a `ManualClock`.
public actor NotificationDispatcher: AlertSink {
    public struct Options: Sendable {
        public var externalURL: String
        public var outboxTTL: Duration
        /// Alerts restored from the notification log at startup stay firing at
        /// least this long, so the rule engine can re-send them before they
        /// would be resolved for lack of news.
        public var restoreGrace: Duration
        /// Notification-log entries older than this are forgotten.
        public var logRetention: Duration

        public init(
            externalURL: String = "", outboxTTL: Duration = OutboxOptions().ttl, restoreGrace: Duration = .seconds(300),
            logRetention: Duration = .seconds(5 * 86_400)
        ) {
            self.externalURL = externalURL
            self.outboxTTL = outboxTTL
            self.restoreGrace = restoreGrace
            self.logRetention = logRetention
        }
    }

    private struct LogKey: Hashable {
        let groupKey: String
        let integration: String
    }

    private let root: Route
    private let notifiers: [String: [any Notifier]]
    private let inhibitor: Inhibitor
    private let silences: Silences
    private let store: any NotificationOutbox & NotificationLogStore
    private let clock: any WallClock
    private let logger: Logger
    private let options: Options
    private let onEnqueue: @Sendable () -> Void
    private let onSchedule: @Sendable () -> Void

    /// Every alert known, for inhibition, which looks across groups.
    private var alerts: [UInt64: Alert] = [:]
    private var groups: [AggregationGroup.ID: AggregationGroup] = [:]
    private var log: [LogKey: NotificationLogEntry] = [:]

    public init(
        root: Route, notifiers: [String: [any Notifier]], inhibitRules: [InhibitRule], silences: Silences,
        store: any NotificationOutbox & NotificationLogStore, clock: any WallClock, logger: Logger,
        options: Options = Options(), onEnqueue: @escaping @Sendable () -> Void = {},
        onSchedule: @escaping @Sendable () -> Void = {}
    ) {
        self.root = root
        self.notifiers = notifiers
        self.inhibitor = Inhibitor(rules: inhibitRules)
        self.silences = silences
        self.store = store
        self.clock = clock
        self.logger = logger
        self.options = options
        self.onEnqueue = onEnqueue
        self.onSchedule = onSchedule
    }

    // MARK: Input

    public func send(_ incoming: [Alert]) async throws {
        let now = clock.now()
        for alert in incoming { insert(alert, now: now) }
    }

    /// Loads the notification log and puts back the alerts it last reported as
    /// firing, so an alert that resolved while the daemon was down is still
    /// notified as resolved, and one still firing is not notified again.
    public func restore() async throws {
        let now = clock.now()
        try await store.pruneNotificationLog(sentBefore: now - options.logRetention.millis)
        var latest: [UInt64: Alert] = [:]
        for entry in try await store.notificationLog() {
            log[LogKey(groupKey: entry.groupKey, integration: entry.integration)] = entry
            for alert in entry.firing where (latest[alert.fingerprint]?.endsAt ?? .min) < alert.endsAt {
                latest[alert.fingerprint] = alert
            }
        }
        for var alert in latest.values where alerts[alert.fingerprint] == nil {
            alert.endsAt = max(alert.endsAt, now + options.restoreGrace.millis)
            insert(alert, now: now)
        }
        if !latest.isEmpty {
            logger.info("restored alerts from the notification log", metadata: ["alerts": "\(latest.count)"])
        }
    }

    private func insert(_ incoming: Alert, now: Timestamp) {
        var alert = incoming
        let fingerprint = alert.fingerprint
        if let old = alerts[fingerprint], old.endsAt >= alert.startsAt, alert.endsAt >= old.startsAt {
            alert.startsAt = min(old.startsAt, alert.startsAt)
        }
        alerts[fingerprint] = alert
        for route in root.match(alert.labels) {
            let labels = route.grouping.groupLabels(of: alert.labels)
            let id = AggregationGroup.ID(route: route.index, labels: labels)
            var group = groups[id] ?? AggregationGroup(route: route, labels: labels, now: now)
            let isNew = groups[id] == nil
            group.alerts[fingerprint] = alert
            // An alert older than group_wait needs no further waiting (a restart, a new route).
            if !group.hasFlushed && alert.startsAt + route.groupWait.millis <= now {
                group.nextFlush = min(group.nextFlush, now)
            }
            groups[id] = group
            if isNew || group.nextFlush <= now { onSchedule() }
        }
    }

    // MARK: Flushing

    /// Why the last flush could not read silences or queue its notifications, if it could not.
    public private(set) var storeFailure: String?

    /// The earliest time a group is due, or nil when there are no groups.
    public var nextDeadline: Timestamp? { groups.values.map(\.nextFlush).min() }

    /// Flushes every group that is due and returns the next deadline.
    @discardableResult
    public func flushDue() async -> Timestamp? {
        let now = clock.now()
        let due = groups.filter { $0.value.nextFlush <= now }.sorted { $0.value.nextFlush < $1.value.nextFlush }
        guard !due.isEmpty else { return nextDeadline }
        let active: [Silence]
        storeFailure = nil
        do {
            active = try await silences.current()
        } catch {
            storeFailure = "cannot read silences: \(error)"
            // Without silences we could page someone who silenced the alert: wait and try again.
            logger.error("cannot read silences; flush postponed", metadata: ["error": "\(error)"])
            return now + 1_000
        }
        let inhibited = inhibitor.inhibited(among: Array(alerts.values), at: now)
        for (id, group) in due {
            guard var current = groups[id] else { continue }
            current.nextFlush = now + effectiveGroupInterval(group.route)
            current.hasFlushed = true
            groups[id] = current
            await flush(id, snapshot: group, now: now, inhibited: inhibited, silences: active)
        }
        collectGarbage()
        return nextDeadline
    }

    private func flush(
        _ id: AggregationGroup.ID, snapshot group: AggregationGroup, now: Timestamp, inhibited: Set<UInt64>,
        silences active: [Silence]
    ) async {
        let snapshot = groups[id]?.alerts ?? group.alerts
        let visible = snapshot.values.filter { alert in
            !inhibited.contains(alert.fingerprint) && !active.contains { $0.mutes(alert.labels, at: now) }
        }.sorted { $0.labels < $1.labels }
        let firing = visible.filter { !$0.isResolved(at: now) }
        let firingSet = Set(firing.map(\.fingerprint))
        let resolvedAlerts = visible.filter { $0.isResolved(at: now) }
        let resolvedSet = Set(resolvedAlerts.map(\.fingerprint))
        // Fresh resolves only: the rule engine re-sends a resolve for 15 minutes, and
        // a later copy of one whose firing was silenced must not become news when the
        // silence expires.
        let resolvedAfterGroupWait = resolvedAlerts.contains {
            $0.endsAt - $0.startsAt >= group.route.groupWait.millis && now - $0.endsAt <= Self.freshResolve
        }
        var messages: [OutboxMessage] = []
        var entries: [NotificationLogEntry] = []
        for notifier in notifiers[group.route.receiver] ?? [] {
            let key = LogKey(groupKey: group.key, integration: notifier.integration)
            let repeatInterval = min(group.route.repeatInterval, notifier.resendInterval ?? group.route.repeatInterval)
            guard
                DedupDecision.needsUpdate(
                    entry: log[key], firing: firingSet, resolved: resolvedSet, sendResolved: notifier.sendResolved,
                    repeatInterval: repeatInterval, now: now, resolvedAfterGroupWait: resolvedAfterGroupWait)
            else { continue }
            let toSend = notifier.sendResolved ? visible : firing
            if !toSend.isEmpty {
                let rendered = NotificationGroup(
                    receiver: group.route.receiver, groupKey: group.key, groupLabels: group.labels, alerts: toSend,
                    now: now, externalURL: options.externalURL)
                do {
                    messages.append(
                        OutboxMessage(
                            id: Self.makeMessageID(), integration: notifier.integration, groupKey: group.key,
                            body: try notifier.render(rendered), createdAt: now,
                            expiresAt: now + options.outboxTTL.millis))
                } catch {
                    logger.error(
                        "cannot render notification",
                        metadata: ["integration": "\(notifier.integration)", "error": "\(error)"])
                    continue
                }
            }
            entries.append(
                NotificationLogEntry(
                    groupKey: group.key, integration: notifier.integration, sentAt: now, firing: firing,
                    resolved: resolvedSet))
        }
        if !entries.isEmpty {
            do {
                try await store.enqueue(messages, log: entries)
            } catch {
                // Resolved alerts stay in the group, so the next flush tries again.
                storeFailure = "cannot queue notifications: \(error)"
                logger.error("cannot queue notifications", metadata: ["group": "\(group.key)", "error": "\(error)"])
                return
            }
            for entry in entries { log[LogKey(groupKey: entry.groupKey, integration: entry.integration)] = entry }
            if !messages.isEmpty { onEnqueue() }
        }
        // Resolved alerts have been told; drop them unless they changed meanwhile.
        guard var current = groups[id] else { return }
        for (fingerprint, alert) in snapshot where alert.isResolved(at: now) && current.alerts[fingerprint] == alert {
            current.alerts[fingerprint] = nil
        }
        if current.alerts.isEmpty { groups[id] = nil } else { groups[id] = current }
    }

    /// An Alertmanager receiver must hear of firing alerts more often than its
    /// timeout, so its routes flush at least every resend interval.
    private func effectiveGroupInterval(_ route: Route) -> Int64 {
        let resend = (notifiers[route.receiver] ?? []).compactMap(\.resendInterval).min()
        return min(route.groupInterval, resend ?? route.groupInterval).millis
    }

    /// Forgets resolved alerts no group holds any more.
    private func collectGarbage() {
        var held: Set<UInt64> = []
        for group in groups.values { held.formUnion(group.alerts.keys) }
        alerts = alerts.filter { held.contains($0.key) }
    }

    /// How soon after its resolve an alert never told must arrive to be told as
    /// resolved: the rule engine's first send of it, not its reminders a minute on.
    static let freshResolve: Int64 = 30_000

    // MARK: Introspection

    /// The groups currently held: key, receiver and alerts, for status pages and tests.
    public func groupSummaries() -> [(key: String, receiver: String, alerts: [Alert], nextFlush: Timestamp)] {
        groups.values.sorted { $0.key < $1.key }.map {
            ($0.key, $0.route.receiver, $0.alerts.values.sorted { $0.labels < $1.labels }, $0.nextFlush)
        }
    }

    /// `msg_` and 32 random hex digits: the `webhook-id` of a message, fixed for all its attempts.
    static func makeMessageID() -> String {
        var generator = SystemRandomNumberGenerator()
        var text = "msg_"
        for _ in 0..<2 {
            let value = generator.next() as UInt64
            let hex = String(value, radix: 16)
            text += String(repeating: "0", count: 16 - hex.count) + hex
        }
        return text
    }
}
