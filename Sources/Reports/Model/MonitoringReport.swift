public import InfermonCore

/// Everything one monitoring report shows, gathered before anything is
/// rendered: the HTML and Markdown renderers only format this value, so both
/// say the same thing and a test can check the numbers without parsing either.
public struct MonitoringReport: Sendable {
    public var title: String
    public var generatedAt: Timestamp
    public var from: Timestamp
    public var to: Timestamp
    /// The model the report is restricted to, or nil for all.
    public var model: String?
    public var traffic = TrafficSection()
    public var latency = LatencySection()
    public var cost = CostSection()
    public var slos: [SLOLine] = []
    public var drift = DriftSection()
    public var hallucination: [HallucinationLine] = []
    public var performance = PerformanceSection()
    public var incidents = IncidentsSection()
    public var canaries: [CanaryLine] = []
    /// Parts that could not be read (a source failed); shown at the top, never hidden.
    public var problems: [String] = []

    public init(title: String, generatedAt: Timestamp, from: Timestamp, to: Timestamp, model: String?) {
        self.title = title
        self.generatedAt = generatedAt
        self.from = from
        self.to = to
        self.model = model
    }
}

/// A line of a chart: points in time order; NaN is a gap.
public struct ChartSeries: Sendable, Equatable {
    public var name: String
    public var points: [(time: Timestamp, value: Double)]

    public init(name: String, points: [(time: Timestamp, value: Double)]) {
        self.name = name
        self.points = points
    }

    public static func == (lhs: ChartSeries, rhs: ChartSeries) -> Bool {
        lhs.name == rhs.name && lhs.points.elementsEqual(rhs.points) { $0.time == $1.time && $0.value == $1.value }
    }
}

public struct TrafficSection: Sendable {
    public struct ModelLine: Sendable, Equatable {
        public var model: String
        public var requests: Double
        public var errors: Double
        public var errorRatio: Double { requests > 0 ? errors / requests : 0 }
    }

    public var requests: Double = 0
    public var errors: Double = 0
    public var byModel: [ModelLine] = []
    /// Requests per second, per model.
    public var rate: [ChartSeries] = []
    /// Share of requests that did not end `ok`, per model.
    public var errorRatio: [ChartSeries] = []
    public var errorRatioOverall: Double { requests > 0 ? errors / requests : 0 }
    public init() {}
}

public struct LatencySection: Sendable {
    /// One distribution of one model over the whole period.
    public struct QuantileLine: Sendable, Equatable {
        /// `latency` (end to end) or `ttft` (time to first token).
        public var metric: String
        public var model: String
        public var p50: Double
        public var p90: Double
        public var p99: Double
    }

    public var lines: [QuantileLine] = []
    /// p99 end-to-end latency per model over time, seconds.
    public var latencyP99: [ChartSeries] = []
    /// p99 time to first token per model over time, seconds.
    public var ttftP99: [ChartSeries] = []
    public init() {}
}

public struct BudgetLine: Sendable, Equatable {
    public var name: String
    public var period: String
    public var periodStart: Timestamp
    public var periodEnd: Timestamp
    public var limitUSD: Double
    public var spentUSD: Double
    public var forecastUSD: Double
    /// How the forecast was made (`daily curve` or `recent rate`).
    public var method: String

    public init(
        name: String, period: String, periodStart: Timestamp, periodEnd: Timestamp, limitUSD: Double,
        spentUSD: Double, forecastUSD: Double, method: String
    ) {
        self.name = name
        self.period = period
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.limitUSD = limitUSD
        self.spentUSD = spentUSD
        self.forecastUSD = forecastUSD
        self.method = method
    }

    public var usedRatio: Double { limitUSD > 0 ? spentUSD / limitUSD : 0 }
    public var forecastRatio: Double { limitUSD > 0 ? forecastUSD / limitUSD : 0 }
}

public struct CostSection: Sendable {
    public var totalUSD: Double = 0
    public var byModel: [(model: String, usd: Double)] = []
    /// Spend per hour over time, USD.
    public var hourly: [ChartSeries] = []
    public var budgets: [BudgetLine] = []
    public init() {}
}

public struct SLOLine: Sendable, Equatable {
    public var name: String
    public var summary: String
    public var objective: Double
    /// Burn rate per window name (`5m`, `1h`, …), in the windows' order; nil where no request was counted.
    public var burnRates: [(window: String, rate: Double?)]
    /// Share of the error budget left in the SLO period; nil without requests.
    public var budgetRemaining: Double?

    public init(
        name: String, summary: String, objective: Double, burnRates: [(window: String, rate: Double?)],
        budgetRemaining: Double?
    ) {
        self.name = name
        self.summary = summary
        self.objective = objective
        self.burnRates = burnRates
        self.budgetRemaining = budgetRemaining
    }

    public static func == (lhs: SLOLine, rhs: SLOLine) -> Bool {
        lhs.name == rhs.name && lhs.objective == rhs.objective && lhs.budgetRemaining == rhs.budgetRemaining
            && lhs.burnRates.elementsEqual(rhs.burnRates) { $0.window == $1.window && $0.rate == $1.rate }
    }

    /// Met when budget is left; breached when it is spent.
    public var isBreached: Bool { (budgetRemaining ?? 1) <= 0 }
}

/// One model's field in the drift comparison, as `infermon drift report` prints it.
public struct DriftRow: Sendable, Equatable {
    public var model: String
    public var field: String
    public var test: String
    /// The test's statistic: D for KS, PSI, the Jensen–Shannon or normed Wasserstein distance, χ².
    public var statistic: Double
    /// The effect size shown beside the p-value: PSI where it was computed, else the statistic.
    public var effectSize: Double
    public var effectSizeName: String
    public var pValue: Double
    public var threshold: Double
    public var verdict: String
    public var referenceCount: Int
    public var currentCount: Int

    public init(
        model: String, field: String, test: String, statistic: Double, effectSize: Double, effectSizeName: String,
        pValue: Double, threshold: Double, verdict: String, referenceCount: Int, currentCount: Int
    ) {
        self.model = model
        self.field = field
        self.test = test
        self.statistic = statistic
        self.effectSize = effectSize
        self.effectSizeName = effectSizeName
        self.pValue = pValue
        self.threshold = threshold
        self.verdict = verdict
        self.referenceCount = referenceCount
        self.currentCount = currentCount
    }

    public var isDrift: Bool { verdict == "drift" }
}

public struct DriftSection: Sendable {
    /// What the current window was compared with, in words.
    public var reference = ""
    public var rows: [DriftRow] = []
    public init() {}
}

/// The hallucination rate of one model (and route, window) by one method, at the end of the period.
public struct HallucinationLine: Sendable, Equatable {
    public var model: String
    public var route: String
    public var method: String
    public var window: String
    public var lower: Double?
    public var estimate: Double?
    public var upper: Double?

    public init(
        model: String, route: String, method: String, window: String, lower: Double?, estimate: Double?,
        upper: Double?
    ) {
        self.model = model
        self.route = route
        self.method = method
        self.window = window
        self.lower = lower
        self.estimate = estimate
        self.upper = upper
    }
}

public struct PerformanceSection: Sendable {
    /// One metric of one model (accuracy, F1, ROC AUC, MAE, ECE, …), at the end of the period.
    public struct MetricLine: Sendable, Equatable {
        public var model: String
        /// The window length the metric is computed over (`1h`, `1d`).
        public var window: String
        public var metric: String
        public var value: Double
        public var lower: Double?
        public var upper: Double?
        /// `realised` from labels, or `estimated` while labels are missing.
        public var kind: String

        public init(
            model: String, window: String, metric: String, value: Double, lower: Double?, upper: Double?, kind: String
        ) {
            self.model = model
            self.window = window
            self.metric = metric
            self.value = value
            self.lower = lower
            self.upper = upper
            self.kind = kind
        }
    }

    /// One bin of a reliability diagram.
    public struct ReliabilityBin: Sendable, Equatable {
        public var meanPredicted: Double
        public var observed: Double
        public var count: Double

        public init(meanPredicted: Double, observed: Double, count: Double) {
            self.meanPredicted = meanPredicted
            self.observed = observed
            self.count = count
        }
    }

    public var metrics: [MetricLine] = []
    /// Reliability curve per model over the whole period (the bins of every window of
    /// one length, weighted by their events), bins in order of predicted probability.
    public var reliability: [(model: String, bins: [ReliabilityBin])] = []
    /// The window length the reliability curves add up.
    public var reliabilityWindow = ""
    public var hasData: Bool { !metrics.isEmpty || !reliability.isEmpty }
    public init() {}
}

public struct IncidentsSection: Sendable {
    /// One alert that was firing at some point of the period.
    public struct AlertLine: Sendable, Equatable {
        public var name: String
        public var severity: String
        /// The alert's other labels, `key=value` joined by commas.
        public var labels: String
        public var firstFiring: Timestamp
        public var lastFiring: Timestamp
        /// Time firing within the period, milliseconds (at the sampling step's resolution).
        public var firingMillis: Int64
    }

    /// One notification the notification log holds for the period.
    public struct NotificationLine: Sendable, Equatable {
        public var sentAt: Timestamp
        public var integration: String
        public var group: String
        public var firing: Int
        public var resolved: Int
        /// `sent`, or `given up: reason` for a dead letter.
        public var outcome: String

        public init(sentAt: Timestamp, integration: String, group: String, firing: Int, resolved: Int, outcome: String)
        {
            self.sentAt = sentAt
            self.integration = integration
            self.group = group
            self.firing = firing
            self.resolved = resolved
            self.outcome = outcome
        }
    }

    public var alerts: [AlertLine] = []
    public var notifications: [NotificationLine] = []
    public init() {}
}

/// One canary rollout: its last verdict in the period and how often each verdict was given.
public struct CanaryLine: Sendable, Equatable {
    public var canary: String
    public var baseline: String
    public var candidate: String
    /// `promote`, `hold`, `rollback` or `invalid`: the verdict of the last evaluation in the period.
    public var verdict: String
    public var at: Timestamp
    /// Evaluations in the period per verdict, in the order verdicts were first given.
    public var history: [(verdict: String, count: Int)]

    public init(
        canary: String, baseline: String, candidate: String, verdict: String, at: Timestamp,
        history: [(verdict: String, count: Int)]
    ) {
        self.canary = canary
        self.baseline = baseline
        self.candidate = candidate
        self.verdict = verdict
        self.at = at
        self.history = history
    }

    public static func == (lhs: CanaryLine, rhs: CanaryLine) -> Bool {
        lhs.canary == rhs.canary && lhs.verdict == rhs.verdict && lhs.at == rhs.at
            && lhs.history.elementsEqual(rhs.history) { $0.verdict == $1.verdict && $0.count == $1.count }
    }

    public var isBad: Bool { verdict == "rollback" || verdict == "invalid" }
    public var historyText: String { history.map { "\($0.verdict) ×\($0.count)" }.joined(separator: ", ") }
}
