import InfermonCore

/// One table of a report, built once for both renderers: the Markdown draws it
/// as a GitHub table, the HTML right-aligns the numeric columns and marks the
/// flagged rows. Which rows and columns a section shows lives here only.
struct ReportTable {
    var headers: [String]
    var rows: [[String]]
    /// Columns holding numbers (right-aligned in HTML).
    var numeric: Set<Int> = []
    /// Rows that need attention (a breached SLO, a drifted field): red in HTML.
    var flagged: [Bool] = []
    /// In a flagged row, the cell Markdown sets in bold; nil leaves the row as it is.
    var stressed: Int?
    /// A last row of totals: its first cell is bold in Markdown.
    var hasTotal = false

    func isFlagged(_ row: Int) -> Bool { row < flagged.count && flagged[row] }
}

/// The report's tables, section by section.
enum ReportTables {
    static func summary(_ report: MonitoringReport) -> ReportTable {
        let p99 = report.latency.lines.filter { $0.metric == "latency" }.map(\.p99).filter(\.isFinite).max()
        return ReportTable(
            headers: [
                "requests", "error rate", "worst p99 latency", "spend", "alerts fired", "drifted fields",
                "SLOs breached",
            ],
            rows: [
                [
                    Text.number(report.traffic.requests),
                    Text.percent(report.traffic.requests > 0 ? report.traffic.errorRatioOverall : nil),
                    p99.map(Text.seconds) ?? "–", Text.usd(report.cost.totalUSD),
                    String(report.incidents.alerts.count), String(report.drift.rows.filter(\.isDrift).count),
                    "\(report.slos.filter(\.isBreached).count) of \(report.slos.count)",
                ]
            ])
    }

    static func traffic(_ traffic: TrafficSection) -> ReportTable {
        ReportTable(
            headers: ["model", "requests", "errors", "error rate"],
            rows: traffic.byModel.map {
                [$0.model, Text.number($0.requests), Text.number($0.errors), Text.percent($0.errorRatio)]
            }
                + [
                    [
                        "all", Text.number(traffic.requests), Text.number(traffic.errors),
                        Text.percent(traffic.errorRatioOverall),
                    ]
                ],
            numeric: [1, 2, 3], hasTotal: true)
    }

    static func latency(_ lines: [LatencySection.QuantileLine]) -> ReportTable {
        ReportTable(
            headers: ["model", "measure", "p50", "p90", "p99"],
            rows: lines.map {
                [
                    $0.model, $0.metric == "ttft" ? "time to first token" : "end-to-end latency", Text.seconds($0.p50),
                    Text.seconds($0.p90), Text.seconds($0.p99),
                ]
            }, numeric: [2, 3, 4])
    }

    static func spend(_ cost: CostSection) -> ReportTable {
        ReportTable(
            headers: ["model", "spend"],
            rows: cost.byModel.map { [$0.model, Text.usd($0.usd)] } + [["all", Text.usd(cost.totalUSD)]],
            numeric: [1], hasTotal: true)
    }

    static func budgets(_ budgets: [BudgetLine]) -> ReportTable {
        ReportTable(
            headers: ["budget", "period", "limit", "spent", "used", "forecast", "of limit", "method"],
            rows: budgets.map {
                [
                    $0.name, $0.period + " from " + Text.time($0.periodStart), Text.usd($0.limitUSD),
                    Text.usd($0.spentUSD), Text.percent($0.usedRatio), Text.usd($0.forecastUSD),
                    Text.percent($0.forecastRatio), $0.method,
                ]
            }, numeric: [2, 3, 4, 5, 6], flagged: budgets.map { $0.forecastRatio > 1 }, stressed: 6)
    }

    static func slos(_ slos: [SLOLine]) -> ReportTable? {
        guard let first = slos.first else { return nil }
        let windows = first.burnRates.map(\.window)
        return ReportTable(
            headers: ["SLO", "objective"] + windows.map { "burn \($0)" } + ["budget left", "status"],
            rows: slos.map { slo in
                [slo.name + " (" + slo.summary + ")", Text.percent(slo.objective)]
                    + slo.burnRates.map { $0.rate.map { Text.number($0, digits: 2) } ?? "no data" }
                    + [
                        slo.budgetRemaining.map { Text.percent($0) } ?? "no data",
                        slo.budgetRemaining == nil ? "no data" : slo.isBreached ? "breached" : "met",
                    ]
            }, numeric: Set(1...(windows.count + 2)), flagged: slos.map(\.isBreached), stressed: windows.count + 3)
    }

    static func drift(_ rows: [DriftRow]) -> ReportTable {
        ReportTable(
            headers: [
                "model", "field", "test", "statistic", "effect size", "p-value", "threshold", "verdict", "ref n",
                "cur n",
            ],
            rows: rows.map {
                [
                    $0.model, $0.field, $0.test, Text.number($0.statistic),
                    $0.effectSizeName + " " + Text.number($0.effectSize), Text.number($0.pValue),
                    Text.number($0.threshold), $0.verdict, String($0.referenceCount), String($0.currentCount),
                ]
            }, numeric: [3, 4, 5, 6, 8, 9], flagged: rows.map(\.isDrift), stressed: 7)
    }

    static func hallucination(_ lines: [HallucinationLine]) -> ReportTable {
        ReportTable(
            headers: ["model", "route", "method", "window", "rate", "95% interval"],
            rows: lines.map {
                [
                    $0.model, $0.route.isEmpty ? "all" : $0.route, $0.method, $0.window, Text.percent($0.estimate),
                    Text.interval($0.lower, $0.upper),
                ]
            }, numeric: [4, 5])
    }

    static func performance(_ metrics: [PerformanceSection.MetricLine]) -> ReportTable {
        ReportTable(
            headers: ["model", "window", "metric", "value", "interval", "kind"],
            rows: metrics.map {
                [$0.model, $0.window, $0.metric, Text.number($0.value), Text.bounds($0.lower, $0.upper), $0.kind]
            }, numeric: [3, 4])
    }

    static func reliability(_ bins: [PerformanceSection.ReliabilityBin]) -> ReportTable {
        ReportTable(
            headers: ["mean predicted", "observed", "count"],
            rows: bins.map { [Text.number($0.meanPredicted), Text.number($0.observed), Text.number($0.count)] },
            numeric: [0, 1, 2])
    }

    static func alerts(_ alerts: [IncidentsSection.AlertLine]) -> ReportTable {
        ReportTable(
            headers: ["alert", "severity", "labels", "first firing", "last firing", "firing for"],
            rows: alerts.map {
                [
                    $0.name, $0.severity, $0.labels, Text.time($0.firstFiring), Text.time($0.lastFiring),
                    Text.duration($0.firingMillis),
                ]
            }, numeric: [5], flagged: alerts.map { ["critical", "page"].contains($0.severity) })
    }

    static func notifications(_ lines: [IncidentsSection.NotificationLine]) -> ReportTable {
        ReportTable(
            headers: ["sent", "receiver", "group", "firing", "resolved", "outcome"],
            rows: lines.map {
                [Text.time($0.sentAt), $0.integration, $0.group, String($0.firing), String($0.resolved), $0.outcome]
            }, numeric: [3, 4], flagged: lines.map { $0.outcome != "sent" })
    }

    static func canaries(_ lines: [CanaryLine]) -> ReportTable {
        ReportTable(
            headers: ["canary", "baseline", "candidate", "verdict", "last evaluated", "verdicts in the period"],
            rows: lines.map { [$0.canary, $0.baseline, $0.candidate, $0.verdict, Text.time($0.at), $0.historyText] },
            flagged: lines.map(\.isBad), stressed: 3)
    }
}
