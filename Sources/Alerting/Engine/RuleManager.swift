public import InfermonCore
public import Logging
public import Query
public import ServiceLifecycle
import Synchronization

/// The rule engine as a service: one evaluation loop per group on the
/// injected clock, alert state restored from the store before the first
/// evaluation, and rule files swapped on reload without losing the state of
/// rules that stay.
public final class RuleManager: Service, RuleStatusProvider, Sendable {
    private struct Entry {
        var evaluator: RuleGroupEvaluator
        var task: Task<Void, Never>?
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var running = false
    }

    private let state = Mutex(State())
    private let options: RuleEvaluationOptions
    private let query: RuleQuery
    private let appender: any SampleAppender
    private let sink: (any AlertSink)?
    private let stateStore: (any AlertStateStore)?
    private let clock: any WallClock
    private let health: ComponentHealth?
    private let logger: Logger

    public init(
        groups: [RuleGroupDefinition], options: RuleEvaluationOptions = RuleEvaluationOptions(),
        querier: any SeriesQuerier, sketches: (any SketchQuerier)? = nil, appender: any SampleAppender,
        sink: (any AlertSink)?, stateStore: (any AlertStateStore)?, engine: QueryEngine = QueryEngine(),
        clock: any WallClock = SystemWallClock(), health: ComponentHealth? = nil, logger: Logger
    ) {
        self.health = health
        self.options = options
        self.query = RuleQuery(engine: engine, querier: querier, sketches: sketches, limits: options.queryLimits)
        self.appender = appender
        self.sink = sink
        self.stateStore = stateStore
        self.clock = clock
        self.logger = logger
        let entries = Dictionary(groups.map { ($0.key, Entry(evaluator: makeEvaluator($0), task: nil)) }) { $1 }
        state.withLock { $0.entries = entries }
    }

    private func makeEvaluator(_ definition: RuleGroupDefinition) -> RuleGroupEvaluator {
        RuleGroupEvaluator(
            definition: definition, options: options, query: query, appender: appender, sink: sink,
            stateStore: stateStore, logger: logger)
    }

    // MARK: Running

    public func run() async throws {
        await restoreStates()
        let started = state.withLock { state -> [(String, RuleGroupEvaluator)] in
            state.running = true
            return state.entries.map { ($0.key, $0.value.evaluator) }
        }
        for (key, evaluator) in started { startLoop(key, evaluator) }
        logger.info("rule evaluation started", metadata: ["groups": "\(started.count)"])
        // Returns on graceful shutdown and throws on cancellation: either way, stop.
        try? await gracefulShutdown()
        let tasks = state.withLock { state -> [Task<Void, Never>] in
            state.running = false
            defer { for key in state.entries.keys { state.entries[key]?.task = nil } }
            return state.entries.values.compactMap(\.task)
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    private func startLoop(_ key: String, _ evaluator: RuleGroupEvaluator) {
        let clock = self.clock
        let task = Task {
            let schedule = GroupSchedule(groupKey: key, interval: evaluator.interval)
            var next = schedule.firstSlot(startingAt: clock.now())
            while !Task.isCancelled {
                do { try await clock.sleep(until: next) } catch { return }
                if Task.isCancelled { return }
                await evaluator.evaluate(at: next)
                await self.report(evaluator)
                next = schedule.nextSlot(after: next, now: clock.now())
            }
        }
        state.withLock { $0.entries[key]?.task = task }
    }

    /// Loads stored alert states into the groups, and forgets those of groups
    /// that are gone. `run` does it first; tests driving evaluation by hand call it.
    public func restoreStates() async {
        guard let stateStore else { return }
        let stored: [StoredAlertState]
        do {
            stored = try await stateStore.alertStates()
        } catch {
            logger.error("cannot load alert states; starting without them", metadata: ["error": "\(error)"])
            return
        }
        let now = clock.now()
        let evaluators = state.withLock { $0.entries.values.map(\.evaluator) }
        let querier = query.querier
        let tolerance = options.outageTolerance.millis
        for evaluator in evaluators {
            await evaluator.restore(stored, now: now) { labels in
                Self.lastSample(labels, querier: querier, from: now - tolerance, through: now)
            }
        }
        let keys = Set(evaluators.map(\.definition.key))
        do {
            try await stateStore.deleteAlertStates(exceptGroups: keys)
        } catch {
            logger.warning("cannot prune alert states", metadata: ["error": "\(error)"])
        }
        let restored = stored.filter { keys.contains($0.groupKey) }.count
        if restored > 0 { logger.info("restored alert states", metadata: ["alerts": "\(restored)"]) }
    }

    /// The newest sample of exactly this series, stale markers included.
    static func lastSample(_ labels: Labels, querier: any SeriesQuerier, from: Timestamp, through: Timestamp)
        -> (time: Timestamp, value: Double)?
    {
        let matchers = labels.map { LabelMatcher.equal($0.name, $0.value) }
        guard let series = try? querier.select(matchers, from: from, through: through),
            let match = series.first(where: { $0.labels == labels }), let last = match.samples.last
        else { return nil }
        return (last.timestamp, last.value)
    }

    /// A group's name in `ComponentHealth`: down while its results or alert
    /// states cannot be stored (it keeps evaluating and tries again).
    static func component(_ definition: RuleGroupDefinition) -> String {
        "rules:\(definition.file):\(definition.name)"
    }

    private func report(_ evaluator: RuleGroupEvaluator) async {
        guard let health else { return }
        let name = Self.component(evaluator.definition)
        if let failure = await evaluator.storeFailure {
            health.down(name, error: failure, now: clock.now())
        } else {
            health.up(name, now: clock.now())
        }
    }

    // MARK: Reload

    /// Replaces the rule groups. Groups that stay keep their alerts (rule by
    /// rule, matched by name and labels); removed groups get stale markers for
    /// what they recorded and lose their stored states.
    public func update(_ groups: [RuleGroupDefinition]) async {
        let (old, running) = state.withLock { state in (state.entries, state.running) }
        for entry in old.values { entry.task?.cancel() }
        for entry in old.values { await entry.task?.value }
        var entries: [String: Entry] = [:]
        for definition in groups {
            let evaluator = makeEvaluator(definition)
            if let previous = old[definition.key] { await evaluator.adopt(await previous.evaluator.rules) }
            entries[definition.key] = Entry(evaluator: evaluator, task: nil)
        }
        for (key, entry) in old where entries[key] == nil {
            await entry.evaluator.markAllStale(at: clock.now())
            health?.remove(Self.component(entry.evaluator.definition))
        }
        state.withLock { $0.entries = entries }
        if running { for (key, entry) in entries { startLoop(key, entry.evaluator) } }
        if let stateStore {
            _ = try? await stateStore.deleteAlertStates(exceptGroups: Set(entries.keys))
        }
        logger.info("rules reloaded", metadata: ["groups": "\(entries.count)"])
    }

    // MARK: Status

    /// Groups sorted by file, then name, as Prometheus lists them.
    public func ruleGroups() async -> [RuleGroupStatus] {
        let evaluators = state.withLock { $0.entries.values.map(\.evaluator) }
        var statuses: [RuleGroupStatus] = []
        for evaluator in evaluators { statuses.append(await evaluator.status()) }
        return statuses.sorted { $0.file == $1.file ? $0.name < $1.name : $0.file < $1.file }
    }

    /// Evaluates every group once at `time`, in the given order (rule unit tests, benchmarks).
    public func evaluateAll(at time: Timestamp, order: [String] = []) async {
        let evaluators = state.withLock { $0.entries.values.map(\.evaluator) }
        for evaluator in Self.ordered(evaluators, by: order) { await evaluator.evaluate(at: time) }
    }

    func evaluatorsSnapshot() -> [RuleGroupEvaluator] { state.withLock { $0.entries.values.map(\.evaluator) } }

    static func ordered(_ evaluators: [RuleGroupEvaluator], by order: [String]) -> [RuleGroupEvaluator] {
        let rank = Dictionary(order.enumerated().map { ($0.element, $0.offset) }) { first, _ in first }
        return evaluators.sorted { left, right in
            let l = rank[left.definition.name] ?? Int.max
            let r = rank[right.definition.name] ?? Int.max
            return l == r ? left.definition.key < right.definition.key : l < r
        }
    }
}
