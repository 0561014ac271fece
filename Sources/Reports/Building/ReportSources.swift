public import InfermonCore
public import Query

/// Where the report reads what is not a series. Each is a narrow view of
/// another stage (budgets and SLOs of LLMOps, drift of Detectors, the
/// notification log of Notify), implemented where the stages meet (the
/// daemon's wiring), so this target imports none of them.
public protocol BudgetReporting: Sendable {
    /// Each configured budget as it stood at `time`: the period containing it, spend and forecast.
    func budgets(at time: Timestamp) throws -> [BudgetLine]
}

public protocol SLOReporting: Sendable {
    /// Each configured SLO's burn rates and error budget left at `time`.
    func slos(at time: Timestamp) throws -> [SLOLine]
}

public protocol DriftReporting: Sendable {
    /// The drift of `from...through` against the configured reference, one row per model and field.
    func drift(from: Timestamp, through: Timestamp, model: String?) throws -> DriftSection
}

public protocol NotificationReporting: Sendable {
    /// Notifications sent (and given up) within `from...through`, oldest first.
    func notifications(from: Timestamp, through: Timestamp) async throws -> [IncidentsSection.NotificationLine]
}

/// The series the report reads besides the event-derived ones, by name, so a
/// stage that renames one changes one place.
public struct ReportSeriesNames: Sendable, Equatable {
    public var hallucinationRate = "infermon_hallucination_rate"
    /// Realised performance from delayed labels: `{model, window, metric}`.
    public var performance = "infermon_model_performance"
    /// Expected calibration error: `{model, window, bound="lower|estimate|upper"}`.
    public var calibrationError = "infermon_model_calibration_error"
    /// Estimated performance while labels are missing: `{model, window, metric, bound}`.
    public var estimatedPerformance = "infermon_model_performance_estimated"
    /// Share of predictions with a label: `{model, window}`.
    public var labelCoverage = "infermon_performance_label_coverage"
    /// Reliability curve: `{model, window, bin, stat="predicted|observed|events"}`.
    public var reliability = "infermon_model_reliability"
    /// `{canary, verdict="promote|hold|rollback|invalid", baseline, candidate}`: 1 for the verdict given.
    public var canaryVerdict = "infermon_canary_verdict"
    public var alerts = "ALERTS"

    public init() {}
}

/// What a report is built from: the store's read protocols (queried through
/// the PromQL engine, as the HTTP API and the dashboards do) and the stage views.
public struct ReportInputs: Sendable {
    public var querier: any SeriesQuerier
    public var sketches: (any SketchQuerier)?
    public var budgets: (any BudgetReporting)?
    public var slos: (any SLOReporting)?
    public var drift: (any DriftReporting)?
    public var notifications: (any NotificationReporting)?
    public var limits: QueryLimits
    public var names: ReportSeriesNames

    public init(
        querier: any SeriesQuerier, sketches: (any SketchQuerier)?, budgets: (any BudgetReporting)? = nil,
        slos: (any SLOReporting)? = nil, drift: (any DriftReporting)? = nil,
        notifications: (any NotificationReporting)? = nil, limits: QueryLimits = .unlimited,
        names: ReportSeriesNames = ReportSeriesNames()
    ) {
        self.querier = querier
        self.sketches = sketches
        self.budgets = budgets
        self.slos = slos
        self.drift = drift
        self.notifications = notifications
        self.limits = limits
        self.names = names
    }
}
