import Collectors
import InfermonCore
import Logging
import Metrics
import Notify
import Store

/// Reads the daemon's state for the watchdog, `STATUS=` and the gauges that
/// `/metrics` refreshes on each scrape.
actor DaemonStatus {
    let collectors: FileCollectorGroup
    let queue: IngestQueue
    let store: any DaemonStore
    let notifications: NotificationService?
    let health: ComponentHealth
    let clock: any WallClock
    let logger: Logger
    /// With PostgreSQL: whether this daemon is the evaluator.
    let role: EvaluatorRole?
    /// A component down for longer than this stops the watchdog pings, so
    /// systemd restarts the daemon; shorter outages are retried in place.
    static let componentDownLimit: Int64 = 5 * 60_000
    private var lastSample: (time: Timestamp, events: Int)?
    private var rate: Double = 0
    /// What `/metrics` has counted of the store's expired-on-arrival totals, per source.
    private var expiredCounted: [String: Int64] = [:]

    init(
        collectors: FileCollectorGroup, queue: IngestQueue, store: any DaemonStore, notifications: NotificationService?,
        health: ComponentHealth, clock: any WallClock, logger: Logger, role: EvaluatorRole? = nil
    ) {
        self.role = role
        self.collectors = collectors
        self.queue = queue
        self.store = store
        self.notifications = notifications
        self.health = health
        self.clock = clock
        self.logger = logger
    }

    /// Healthy while the store's writer answers within two seconds and no
    /// component has been down for longer than `componentDownLimit`.
    func isHealthy() async -> Bool {
        let stalled = health.down(now: clock.now()).filter { $0.for > Self.componentDownLimit }
        if !stalled.isEmpty {
            logger.error(
                "components down past the limit; letting systemd restart the daemon",
                metadata: [
                    "components": "\(stalled.map(\.component).joined(separator: ","))",
                    "limit": "\(TimeParsing.formatDuration(Self.componentDownLimit))",
                ])
            return false
        }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { [store] in (try? await store.ping()) != nil }
            group.addTask { [clock] in
                try? await clock.sleep(for: .seconds(2))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    func summary() async -> String {
        let snapshot = await collectors.snapshot()
        let events = snapshot.reduce(0) { $0 + $1.totals.events } + (await queue.storedEvents)
        let now = clock.now()
        if let last = lastSample, now > last.time {
            rate = Double(events - last.events) * 1000 / Double(now - last.time)
        }
        lastSample = (now, events)
        let evaluator = role.map { "; evaluator: \($0.summary)" } ?? ""
        return "ingesting \(Int(rate.rounded())) events/s; \(events) events since start\(evaluator)"
    }

    func refreshGauges() async {
        for source in await collectors.snapshot() {
            Gauge(label: "infermon_collector_ingested_events", dimensions: [("source", source.source)])
                .record(source.totals.events)
            Gauge(label: "infermon_collector_rejected_lines", dimensions: [("source", source.source)])
                .record(source.totals.deadLetters)
            for file in source.lag {
                Gauge(
                    label: "infermon_collector_lag_bytes", dimensions: [("source", source.source), ("path", file.path)]
                )
                .record(file.bytes)
            }
        }
        Gauge(label: "infermon_ingest_queue_depth").record(await queue.depth)
        for (component, state) in health.snapshot() {
            Gauge(label: "infermon_component_up", dimensions: [("component", component)]).record(state.isUp ? 1 : 0)
        }
        if let notifications {
            for (integration, counters) in notifications.deliverer.deliveryCounters() {
                let dimensions = [("integration", integration)]
                Gauge(label: "infermon_notifications_delivered", dimensions: dimensions).record(counters.delivered)
                Gauge(label: "infermon_notifications_failed_attempts", dimensions: dimensions).record(
                    counters.failedAttempts)
            }
            for (integration, count) in (try? await store.deadLetterCounts()) ?? [:] {
                Gauge(label: "infermon_notifications_dead_lettered", dimensions: [("integration", integration)]).record(
                    count)
            }
        }
        if let size = try? store.sizeBytes() { Gauge(label: "infermon_store_size_bytes").record(size) }
        if let expired = try? store.expiredOnArrival() {
            // Kept in the store, so the counter goes on from its stored total after a restart.
            for entry in expired where entry.events > expiredCounted[entry.source, default: 0] {
                Counter(label: SelfMetricsRecorder.expiredOnArrival, dimensions: [("source", entry.source)])
                    .increment(by: entry.events - expiredCounted[entry.source, default: 0])
                expiredCounted[entry.source] = entry.events
            }
        }
    }
}
