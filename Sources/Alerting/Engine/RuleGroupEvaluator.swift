public import InfermonCore
import Logging
public import Query
import Templates

/// How every group evaluates; fixed for the engine's life.
public struct RuleEvaluationOptions: Sendable, Equatable {
    /// The interval of groups that set none (Prometheus's `evaluation_interval`, 1m).
    public var defaultInterval: Duration = .seconds(60)
    /// How often a firing alert is re-sent (Prometheus's `--rules.alert.resend-delay`, 1m).
    public var resendDelay: Duration = .seconds(60)
    /// Pending alerts survive a restart only if the process was down less than this (1h).
    public var outageTolerance: Duration = .seconds(3600)
    /// After a restart a restored pending alert fires no sooner than this (10m).
    public var forGracePeriod: Duration = .seconds(600)
    public var externalLabels: Labels = Labels()
    /// Prefix of alerts' `generatorURL` and the templates' `$externalURL`.
    public var externalURL: String = ""
    public var queryLimits = QueryLimits(timeout: .seconds(120), maxSamples: 50_000_000)

    public init() {}
}

/// One rule group and the state of its rules. Evaluation runs the rules in
/// order, each rule's samples committed before the next rule queries (so a
/// recording rule feeds the alerts below it), sends what needs sending after
/// each alerting rule, writes stale markers for series a rule stopped
/// producing, and persists alert states when they change.
actor RuleGroupEvaluator {
    enum RuleState: Sendable {
        case alerting(AlertingRuleState)
        case recording(RecordingRuleState)
    }

    struct RuleRecord: Sendable {
        var state: RuleState
        var health: RuleStatus.Health = .unknown
        var lastError: String?
        var evaluationTime: Double = 0
        var lastEvaluation: Timestamp?
        /// Series the last successful evaluation produced, for stale markers.
        var previousSeries: Set<Labels> = []
    }

    let definition: RuleGroupDefinition
    let interval: Int64
    let options: RuleEvaluationOptions
    let query: RuleQuery
    let appender: any SampleAppender
    let sink: (any AlertSink)?
    let stateStore: (any AlertStateStore)?
    let logger: Logger
    var rules: [RuleRecord]
    private(set) var groupEvaluationTime: Double = 0
    private(set) var groupLastEvaluation: Timestamp?
    /// What the store holds for this group, to skip writes that change nothing.
    private(set) var savedStatesSnapshot: [StoredAlertState]?

    init(
        definition: RuleGroupDefinition, options: RuleEvaluationOptions, query: RuleQuery, appender: any SampleAppender,
        sink: (any AlertSink)?, stateStore: (any AlertStateStore)?, logger: Logger
    ) {
        self.definition = definition
        self.interval = definition.interval ?? options.defaultInterval.millis
        self.options = options
        self.query = query
        self.appender = appender
        self.sink = sink
        self.stateStore = stateStore
        self.logger = logger
        rules = definition.rules.map { rule in
            RuleRecord(
                state: rule.kind == .alerting
                    ? .alerting(AlertingRuleState(rule: rule)) : .recording(RecordingRuleState(rule: rule)))
        }
    }

    func setSaved(_ states: [StoredAlertState]?) { savedStatesSnapshot = states }

    /// Why the last evaluation could not store its results or alert states, if it could not.
    private(set) var storeFailure: String?

    func noteStoreFailure(_ error: any Error) { storeFailure = "\(error)" }

    func replaceState(_ index: Int, with state: AlertingRuleState) { rules[index].state = .alerting(state) }

    // MARK: Evaluation

    /// Evaluates every rule at `time` (milliseconds, the group's aligned slot).
    func evaluate(at time: Timestamp) async {
        storeFailure = nil
        let groupStart = monotonicNanoseconds()
        for index in rules.indices {
            let start = monotonicNanoseconds()
            // Stopped (shutdown or reload) before the rule's query ran: leave this
            // slot, storing and sending nothing, so nothing is sent that is not stored.
            guard await evaluateRule(index, at: time) else { return }
            rules[index].evaluationTime = Double(monotonicNanoseconds() - start) / 1e9
            rules[index].lastEvaluation = time
        }
        groupEvaluationTime = Double(monotonicNanoseconds() - groupStart) / 1e9
        groupLastEvaluation = time
        // State before notification: a process killed between the two must come
        // back knowing an alert fired, or its resolve is never sent. The other
        // order loses it; this one at worst re-sends a firing notification,
        // which notification deduplicates.
        await persist(at: time)
        for index in rules.indices where rules[index].health == .ok {
            if case .alerting = rules[index].state { await send(index, at: time) }
        }
    }

    /// False when the task was cancelled before the query ran; the rule is left as it was.
    private func evaluateRule(_ index: Int, at time: Timestamp) async -> Bool {
        let record = rules[index]
        let context = ExpansionContext(
            externalLabels: options.externalLabels.dictionary, externalURL: options.externalURL,
            query: query.templateQuery(at: time))
        let limit = definition.limit
        let query = self.query
        // Queries block on SQLite and CPU: run them off the Swift concurrency pool.
        let outcome: Result<(RuleState, [(labels: Labels, sample: Sample)]), any Error>
        do {
            outcome = try await BlockingWork.run {
                Result {
                    switch record.state {
                    case .alerting(var state):
                        let result = try query.vector(state.rule.expression, at: time)
                        let samples = try state.evaluate(result, at: time, limit: limit, context: context)
                        return (.alerting(state), samples)
                    case .recording(let state):
                        let result = try query.vector(state.rule.expression, at: time)
                        return (.recording(state), try state.evaluate(result, at: time, limit: limit))
                    }
                }
            }
        } catch {
            return false
        }
        switch outcome {
        case .failure(let error):
            rules[index].health = .err
            rules[index].lastError = (error as? InfermonError)?.message ?? "\(error)"
            if case .alerting(var state) = record.state, (error as? InfermonError)?.isLimitExceeded == true {
                state.active = [:]
                rules[index].state = .alerting(state)
            }
            logger.warning(
                "evaluating rule failed",
                metadata: ["group": "\(definition.name)", "rule": "\(name(of: record))", "error": "\(error)"])
        case .success(let (state, samples)):
            rules[index].state = state
            rules[index].health = .ok
            rules[index].lastError = nil
            await append(samples, rule: index, at: time)
        }
        return true
    }

    private func name(of record: RuleRecord) -> String {
        switch record.state {
        case .alerting(let state): state.rule.name
        case .recording(let state): state.rule.name
        }
    }

    private func send(_ index: Int, at time: Timestamp) async {
        guard case .alerting(var state) = rules[index].state else { return }
        let due = state.alertsToSend(at: time, resendDelay: options.resendDelay.millis, interval: interval)
        rules[index].state = .alerting(state)
        guard let sink, !due.isEmpty else { return }
        let generatorURL = options.externalURL + PrometheusFunctions.expressionLink(state.rule.query, tab: 1)
        let alerts = due.map { $0.notification(externalLabels: options.externalLabels, generatorURL: generatorURL) }
        do {
            try await sink.send(alerts)
        } catch {
            logger.error(
                "cannot hand alerts to notification", metadata: ["error": "\(error)", "alerts": "\(alerts.count)"])
        }
    }

    /// Appends a rule's samples, and stale markers for the series it produced last time but not now.
    private func append(_ samples: [(labels: Labels, sample: Sample)], rule index: Int, at time: Timestamp) async {
        let current = Set(samples.map(\.labels))
        var batch = samples
        for labels in rules[index].previousSeries.subtracting(current).sorted() {
            batch.append((labels, Sample(time, Sample.staleNaN)))
        }
        rules[index].previousSeries = current
        guard !batch.isEmpty else { return }
        do {
            try await appender.append(batch)
        } catch {
            noteStoreFailure(error)
            logger.error("cannot append rule results", metadata: ["group": "\(definition.name)", "error": "\(error)"])
        }
    }

    /// Stale markers for everything the group produced, when it is removed.
    func markAllStale(at time: Timestamp) async {
        var batch: [(labels: Labels, sample: Sample)] = []
        for index in rules.indices {
            for labels in rules[index].previousSeries.sorted() { batch.append((labels, Sample(time, Sample.staleNaN))) }
            rules[index].previousSeries = []
        }
        guard !batch.isEmpty else { return }
        try? await appender.append(batch)
    }
}
