import Collectors
import InfermonCore
import Logging
import Metrics
import ServiceLifecycle
import Store

/// infermon's own health as series in its store, so rules can alert on it as
/// a Prometheus scraping itself would: collector lag, events and dead letters
/// per source, and notifications given up on. Sampled on an interval (like a
/// scrape), with staleness markers for series that disappear (a file that
/// went away, a source removed on reload).
final class SelfMetricsRecorder: Service, Sendable {
    // The names `/metrics` uses for the same values (see DaemonStatus.refreshGauges).
    static let collectorLag = "infermon_collector_lag_bytes"
    static let ingestedEvents = "infermon_collector_ingested_events"
    static let deadLetters = "infermon_collector_rejected_lines"
    static let notificationDeadLetters = "infermon_notifications_dead_lettered"
    static let expiredOnArrival = "infermon_events_expired_on_arrival_total"

    private let collectors: FileCollectorGroup
    private let store: any DaemonStore
    private let interval: Duration
    private let clock: any WallClock
    private let logger: Logger
    /// With a store several daemons share: this daemon's name, as an `instance` label on its series.
    private let instance: String?

    init(
        collectors: FileCollectorGroup, store: any DaemonStore, interval: Duration = .seconds(15), clock: any WallClock,
        logger: Logger, instance: String? = nil
    ) {
        self.instance = instance
        self.collectors = collectors
        self.store = store
        self.interval = interval
        self.clock = clock
        self.logger = logger
    }

    /// The current values. Event and rejected-line counts are since the daemon
    /// started (counters that reset on restart); dead-lettered notifications are
    /// kept in the store and never reset.
    static func samples(collectors: FileCollectorGroup, store: any DaemonStore) async -> [Labels: Double] {
        var values: [Labels: Double] = [:]
        for source in await collectors.snapshot() {
            values[Labels(name: ingestedEvents, ["source": source.source])] = Double(source.totals.events)
            values[Labels(name: deadLetters, ["source": source.source])] = Double(source.totals.deadLetters)
            for file in source.lag {
                values[Labels(name: collectorLag, ["source": source.source, "path": file.path])] = Double(file.bytes)
            }
        }
        for entry in (try? store.expiredOnArrival()) ?? [] {
            values[Labels(name: expiredOnArrival, ["source": entry.source])] = Double(entry.events)
        }
        if let counts = try? await store.deadLetterCounts() {
            for (integration, count) in counts {
                values[Labels(name: notificationDeadLetters, ["integration": integration])] = Double(count)
            }
        }
        return values
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var previous: Set<Labels> = []
            while !Task.isCancelled {
                let now = self.clock.now()
                let values = await Self.samples(collectors: self.collectors, store: self.store)
                var batch = values.sorted { $0.key < $1.key }.map { (labels: $0.key, sample: Sample(now, $0.value)) }
                for gone in previous.subtracting(values.keys).sorted() {
                    batch.append((gone, Sample(now, Sample.staleNaN)))
                }
                previous = Set(values.keys)
                if let instance = self.instance {
                    batch = batch.map { ($0.labels.setting("instance", to: instance), $0.sample) }
                }
                do {
                    try await self.store.append(batch)
                } catch {
                    self.logger.warning("cannot record self-metrics", metadata: ["error": "\(error)"])
                }
                do { try await self.clock.sleep(until: now + self.interval.millis) } catch { return }
            }
        }
    }
}
