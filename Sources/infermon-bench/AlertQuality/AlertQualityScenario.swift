import Alerting
import InfermonConfig
import InfermonCore
import InfermonDaemon
import Logging
import Store
import Synchronization
import TrafficSimulator

/// A labelled scenario for alert rules: simulated days of traffic, each quiet
/// (realistic noise only) or with planted incidents, ingested through the
/// configuration's ingest stages and replayed through the rule engine minute by
/// minute, as the daemon evaluates them. What fired is matched against what was
/// planted (`AlertQualityReport`).
struct AlertQualityScenario: Sendable {
    enum Kind: String, CaseIterable, Sendable {
        case latency, errors, cost, outage
    }

    /// One planted incident, in absolute time.
    struct Incident: Sendable {
        var kind: Kind
        var model: String
        var start: Timestamp
        var end: Timestamp
    }

    /// An alert that went to firing (one new notification), and when.
    struct Firing: Sendable, Hashable {
        var name: String
        var labels: Labels
        var at: Timestamp
    }

    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    var start: Timestamp
    /// Each day's schedule, in order from `start`.
    var days: [TrafficGenerator.Schedule]
    /// Only this much of the last day is replayed (a whole day when nil).
    var lastDayLength: Int64?
    var baseRate: Double
    var seed: UInt64

    /// The noise of a normal day: one model fails 5 % of its requests, the
    /// large self-hosted model has a long latency tail, the others fail rarely.
    static func noisy(_ schedule: TrafficGenerator.Schedule) -> TrafficGenerator.Schedule {
        var schedule = schedule
        schedule.defaultErrorRate = 0.001
        schedule.baselineErrorRate = ["llama-3.1-70b": 0.05]
        schedule.longTailModels = ["llama-3.1-70b"]
        return schedule
    }

    /// Several incidents of every kind, at different hours (and so at different loads).
    static func incidentDay() -> TrafficGenerator.Schedule {
        var day = noisy(.quiet)
        let (h, m) = (hour, minute)
        day.latencyIncidents = [(3 * h)..<(3 * h + 45 * m), (15 * h)..<(15 * h + 40 * m)]
        day.costSpikes = [(9 * h)..<(9 * h + 45 * m), (20 * h)..<(20 * h + 45 * m)]
        day.modelErrorIncidents = [
            ("gpt-4o-mini", 0.2, (5 * h)..<(5 * h + 30 * m)),
            ("llama-3.1-70b", 0.3, (12 * h)..<(12 * h + 30 * m)),
            ("gpt-4o", 0.15, (17 * h)..<(17 * h + 30 * m)),
        ]
        day.outages = [("claude-3-5-sonnet", (7 * h)..<(8 * h)), ("gpt-4o-mini", (22 * h)..<(23 * h))]
        return day
    }

    var end: Timestamp { start + Int64(days.count - 1) * Self.day + (lastDayLength ?? Self.day) }

    /// The planted incidents, in absolute time.
    var incidents: [Incident] { days.indices.flatMap { incidents(onDay: $0) } }

    func incidents(onDay index: Int) -> [Incident] {
        var result: [Incident] = []
        do {
            let schedule = days[index]
            let dayStart = start + Int64(index) * Self.day
            func add(_ kind: Kind, _ model: String, _ range: Range<Int64>) {
                guard dayStart + range.lowerBound < end else { return }
                result.append(
                    Incident(
                        kind: kind, model: model, start: dayStart + range.lowerBound, end: dayStart + range.upperBound))
            }
            for range in schedule.latencyIncidents { add(.latency, "gpt-4o", range) }
            for range in schedule.costSpikes { add(.cost, "claude-3-5-sonnet", range) }
            for incident in schedule.modelErrorIncidents { add(.errors, incident.model, incident.during) }
            for outage in schedule.outages { add(.outage, outage.model, outage.during) }
        }
        return result
    }

    /// The traffic of every day, each day from its own generator.
    func traffic() -> [InferenceEvent] {
        var events: [InferenceEvent] = []
        for (index, schedule) in days.enumerated() {
            let dayStart = start + Int64(index) * Self.day
            var generator = TrafficGenerator(dayStart: dayStart, baseRate: baseRate, seed: seed &+ UInt64(index))
            generator.schedule = schedule
            var time = generator.nextArrival(after: dayStart)
            while time < min(dayStart + Self.day, end) {
                events.append(generator.event(at: time))
                time = generator.nextArrival(after: time)
            }
        }
        return events
    }

    /// Ingests the traffic into a new store at `storePath` through the
    /// configuration's ingest stages (pricing, SLO events), then evaluates
    /// `ruleFiles` every minute over the whole scenario. Returns every new
    /// firing alert.
    func replay(ruleFiles: [String], configuration: Configuration, storePath: String) async throws -> [Firing] {
        let clock = ReplayClock(now: end)
        var quiet = Logger(label: "alert-quality")
        quiet.logLevel = .critical
        let store = try SQLiteStore(path: storePath, clock: clock, logger: quiet)
        defer { store.close() }
        let stages = try LLMOpsWiring.ingestStages(
            config: configuration, querier: store, now: start, logger: quiet)
        let events = traffic()
        for first in stride(from: 0, to: events.count, by: 10_000) {
            var batch = IngestBatch(events: Array(events[first..<min(first + 10_000, events.count)]))
            for stage in stages { try await stage.process(&batch) }
            try await store.write(batch)
        }
        let loaded = RuleFiles.load(ruleFiles)
        guard loaded.errors.isEmpty else { throw InfermonError.invalidInput("rule files: \(loaded.errors)") }
        let sink = FiringRecorder()
        let manager = RuleManager(
            groups: loaded.groups, options: configuration.ruleEvaluation, querier: store, sketches: store,
            appender: store, sink: sink, stateStore: nil, clock: clock, logger: quiet)
        var time = start
        while time < end {
            time += Self.minute
            clock.set(time)
            sink.now = time
            await manager.evaluateAll(at: time)
        }
        return sink.firings
    }
}

/// The replay's clock: set by the replay loop, never the wall clock.
final class ReplayClock: WallClock {
    private let current: Mutex<Timestamp>
    init(now: Timestamp) { current = Mutex(now) }
    func now() -> Timestamp { current.withLock { $0 } }
    func set(_ time: Timestamp) { current.withLock { $0 = time } }
    func sleep(until deadline: Timestamp) async throws { try await Task.sleep(for: .zero) }
}

/// Notes each alert when it goes to firing: what a receiver gets as a new notification.
final class FiringRecorder: AlertSink {
    private struct State {
        var firing: Set<Labels> = []
        var firings: [AlertQualityScenario.Firing] = []
        var now: Timestamp = 0
    }

    private let state = Mutex(State())

    var now: Timestamp {
        get { state.withLock { $0.now } }
        set { state.withLock { $0.now = newValue } }
    }

    var firings: [AlertQualityScenario.Firing] { state.withLock { $0.firings } }

    func send(_ alerts: [Alert]) async throws {
        state.withLock { state in
            for alert in alerts {
                if alert.endsAt <= state.now {
                    state.firing.remove(alert.labels)
                } else if state.firing.insert(alert.labels).inserted {
                    state.firings.append(
                        .init(name: alert.labels["alertname"] ?? "", labels: alert.labels, at: state.now))
                }
            }
        }
    }
}
