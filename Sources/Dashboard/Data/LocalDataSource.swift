public import InfermonCore
public import Query

/// Evaluates queries in-process over a store opened from `--db`. SQLite calls
/// block, so they run on `BlockingWork`'s pool rather than the Swift concurrency
/// pool, which keeps the key loop responsive while a slow query runs.
public struct LocalDataSource: DashboardDataSource {
    public let label: String
    let querier: any SeriesQuerier
    let sketches: (any SketchQuerier)?
    let notificationLog: (any NotificationLogStore)?
    let engine: QueryEngine
    let limits: QueryLimits
    let clock: any WallClock

    public init(
        label: String, querier: any SeriesQuerier, sketches: (any SketchQuerier)?,
        notificationLog: (any NotificationLogStore)?, engine: QueryEngine = QueryEngine(),
        limits: QueryLimits = .serving,
        clock: any WallClock = SystemWallClock()
    ) {
        self.clock = clock
        self.label = label
        self.querier = querier
        self.sketches = sketches
        self.notificationLog = notificationLog
        self.engine = engine
        self.limits = limits
    }

    public func instant(_ query: String, at time: Timestamp) async throws -> QueryResult {
        try await BlockingWork.run { [engine, querier, sketches, limits] in
            try engine.instant(query, at: time, querier: querier, sketches: sketches, limits: limits)
        }
    }

    public func range(_ query: String, start: Timestamp, end: Timestamp, step: Int64) async throws -> QueryResult {
        try await BlockingWork.run { [engine, querier, sketches, limits] in
            try engine.range(
                query, start: start, end: end, step: step, querier: querier, sketches: sketches, limits: limits)
        }
    }

    /// The store keeps no alert list of its own; the rule engine's `ALERTS`
    /// series (value 1 while pending or firing, as Prometheus writes them) and
    /// `ALERTS_FOR_STATE` (the activation time in seconds) say which are active.
    public func activeAlerts() async throws -> Feed<[ActiveAlert]> {
        let now = clock.now()
        guard case .vector(let active) = try await instant("ALERTS", at: now) else { return .available([]) }
        var since: [Labels: Timestamp] = [:]
        if case .vector(let states) = try await instant("ALERTS_FOR_STATE", at: now) {
            for state in states { since[state.labels.withoutName] = Timestamp(state.value * 1000) }
        }
        let alerts = active.map { sample -> ActiveAlert in
            let identity = sample.labels.removing(["alertstate", Labels.metricName])
            return ActiveAlert(
                labels: identity, state: sample.labels["alertstate"] ?? "firing", activeAt: since[identity])
        }
        return .available(alerts)
    }

    public func recentNotifications(limit: Int) async throws -> Feed<[NotificationRecord]> {
        guard let notificationLog else { return .notAvailable("no notification log in this store") }
        let entries = try await notificationLog.notificationLog()
        let records = entries.sorted { $0.sentAt > $1.sentAt }.prefix(limit).map { entry in
            NotificationRecord(
                sentAt: entry.sentAt, receiver: entry.integration,
                alertNames: Array(Set(entry.firing.map(\.name))).sorted(), firing: entry.firing.count,
                resolved: entry.resolved.count)
        }
        return .available(Array(records))
    }
}
