import InfermonCore

/// The report as CommonMark with GitHub tables, for a chat message, a ticket
/// or a wiki page: the same sections and numbers as the HTML, the charts left
/// out (a table or a sentence carries what they show).
public enum MarkdownReportRenderer {
    public static func render(_ report: MonitoringReport) -> String {
        var out = "# \(escape(report.title))\n\n"
        out += "\(Text.time(report.from)) – \(Text.time(report.to))"
        out += report.model.map { " · model `\($0)`" } ?? " · all models"
        out += " · generated \(Text.time(report.generatedAt))\n"
        if !report.problems.isEmpty {
            out += "\n> **Parts of this report could not be read:**\n"
            out += report.problems.map { "> - \(escape($0))\n" }.joined()
        }
        for (id, title) in HTMLReportRenderer.sections {
            out += "\n## \(title)\n\n"
            out += body(of: id, report)
        }
        return out
    }

    static func body(of section: String, _ report: MonitoringReport) -> String {
        switch section {
        case "summary":
            let p99 = report.latency.lines.filter { $0.metric == "latency" }.map(\.p99).filter(\.isFinite).max()
            return table(
                [
                    "requests", "error rate", "worst p99 latency", "spend", "alerts fired", "drifted fields",
                    "SLOs breached",
                ],
                [
                    [
                        Text.number(report.traffic.requests),
                        Text.percent(report.traffic.requests > 0 ? report.traffic.errorRatioOverall : nil),
                        p99.map(Text.seconds) ?? "–", Text.usd(report.cost.totalUSD),
                        String(report.incidents.alerts.count),
                        String(report.drift.rows.filter(\.isDrift).count),
                        "\(report.slos.filter(\.isBreached).count) of \(report.slos.count)",
                    ]
                ])
        case "traffic":
            let traffic = report.traffic
            guard !traffic.byModel.isEmpty else { return "_No requests in this period._\n" }
            return table(
                ["model", "requests", "errors", "error rate"],
                traffic.byModel.map {
                    [$0.model, Text.number($0.requests), Text.number($0.errors), Text.percent($0.errorRatio)]
                }
                    + [
                        [
                            "**all**", Text.number(traffic.requests), Text.number(traffic.errors),
                            Text.percent(traffic.errorRatioOverall),
                        ]
                    ])
                + peak("Peak request rate", traffic.rate, format: { Text.number($0) + "/s" }, at: report.to)
        case "latency":
            let lines = report.latency.lines
            guard !lines.isEmpty else { return "_No latency recorded in this period._\n" }
            return table(
                ["model", "measure", "p50", "p90", "p99"],
                lines.map {
                    [
                        $0.model, $0.metric == "ttft" ? "time to first token" : "end-to-end latency",
                        Text.seconds($0.p50), Text.seconds($0.p90), Text.seconds($0.p99),
                    ]
                })
                + peak(
                    "Worst p99 latency over one chart step", report.latency.latencyP99, format: Text.seconds,
                    at: report.to)
        case "cost":
            let cost = report.cost
            var out =
                cost.byModel.isEmpty
                ? "_No cost recorded in this period._\n"
                : table(
                    ["model", "spend"],
                    cost.byModel.map { [$0.model, Text.usd($0.usd)] } + [["**all**", Text.usd(cost.totalUSD)]])
            out += "\n### Budgets\n\n"
            guard !cost.budgets.isEmpty else { return out + "_No budgets configured._\n" }
            out += table(
                ["budget", "period", "limit", "spent", "used", "forecast", "of limit", "method"],
                cost.budgets.map {
                    [
                        $0.name, $0.period + " from " + Text.time($0.periodStart), Text.usd($0.limitUSD),
                        Text.usd($0.spentUSD), Text.percent($0.usedRatio), Text.usd($0.forecastUSD),
                        ($0.forecastRatio > 1
                            ? "**" + Text.percent($0.forecastRatio) + "**" : Text.percent($0.forecastRatio)),
                        $0.method,
                    ]
                })
            return out
        case "slo":
            guard let first = report.slos.first else { return "_No SLOs configured._\n" }
            return table(
                ["SLO", "objective"] + first.burnRates.map { "burn \($0.window)" } + ["budget left", "status"],
                report.slos.map { slo in
                    [slo.name + " (" + slo.summary + ")", Text.percent(slo.objective)]
                        + slo.burnRates.map { $0.rate.map { Text.number($0, digits: 2) } ?? "no data" }
                        + [
                            slo.budgetRemaining.map { Text.percent($0) } ?? "no data",
                            slo.budgetRemaining == nil ? "no data" : slo.isBreached ? "**breached**" : "met",
                        ]
                })
        case "drift":
            var out = report.drift.reference.isEmpty ? "" : "Compared with \(escape(report.drift.reference)).\n\n"
            guard !report.drift.rows.isEmpty else {
                return out + "_No drift results: too few events or no reference._\n"
            }
            out += table(
                [
                    "model", "field", "test", "statistic", "effect size", "p-value", "threshold", "verdict", "ref n",
                    "cur n",
                ],
                report.drift.rows.map {
                    [
                        $0.model, $0.field, $0.test, Text.number($0.statistic),
                        $0.effectSizeName + " " + Text.number($0.effectSize), Text.number($0.pValue),
                        Text.number($0.threshold), $0.isDrift ? "**drift**" : $0.verdict, String($0.referenceCount),
                        String($0.currentCount),
                    ]
                })
            return out
        case "hallucination":
            guard !report.hallucination.isEmpty else { return "_No hallucination rate measured in this period._\n" }
            return table(
                ["model", "route", "method", "window", "rate", "95% interval"],
                report.hallucination.map {
                    [
                        $0.model, $0.route.isEmpty ? "all" : $0.route, $0.method, $0.window, Text.percent($0.estimate),
                        Text.interval($0.lower, $0.upper),
                    ]
                })
        case "performance":
            let performance = report.performance
            guard performance.hasData else {
                return "_No labels: performance and calibration need ground truth joined to the predictions._\n"
            }
            var out = ""
            if !performance.metrics.isEmpty {
                out += table(
                    ["model", "window", "metric", "value", "interval", "kind"],
                    performance.metrics.map {
                        [
                            $0.model, $0.window, $0.metric, Text.number($0.value),
                            Text.bounds($0.lower, $0.upper),
                            $0.kind,
                        ]
                    })
            }
            for curve in performance.reliability {
                out += "\n### Reliability: \(escape(curve.model))\n\n"
                out += "Every \(performance.reliabilityWindow) window of the period, bins weighted by their events.\n\n"
                out += table(
                    ["mean predicted", "observed", "count"],
                    curve.bins.map { [Text.number($0.meanPredicted), Text.number($0.observed), Text.number($0.count)] })
            }
            return out
        case "incidents":
            let incidents = report.incidents
            var out = "### Alerts fired\n\n"
            out +=
                incidents.alerts.isEmpty
                ? "_No alert fired in this period._\n"
                : table(
                    ["alert", "severity", "labels", "first firing", "last firing", "firing for"],
                    incidents.alerts.map {
                        [
                            $0.name, $0.severity, $0.labels, Text.time($0.firstFiring), Text.time($0.lastFiring),
                            Text.duration($0.firingMillis),
                        ]
                    })
            out += "\n### Notifications sent\n\n"
            out +=
                incidents.notifications.isEmpty
                ? "_No notification sent in this period._\n"
                : table(
                    ["sent", "receiver", "group", "firing", "resolved", "outcome"],
                    incidents.notifications.map {
                        [
                            Text.time($0.sentAt), $0.integration, $0.group, String($0.firing), String($0.resolved),
                            $0.outcome,
                        ]
                    })
            return out
        case "canaries":
            guard !report.canaries.isEmpty else { return "_No canaries: no canary comparison ran in this period._\n" }
            return table(
                ["canary", "baseline", "candidate", "verdict", "last evaluated", "verdicts in the period"],
                report.canaries.map {
                    [
                        $0.canary, $0.baseline, $0.candidate, $0.isBad ? "**\($0.verdict)**" : $0.verdict,
                        Text.time($0.at),
                        $0.historyText,
                    ]
                })
        default:
            return ""
        }
    }

    /// The highest point of any series, as one sentence.
    static func peak(_ what: String, _ series: [ChartSeries], format: (Double) -> String, at: Timestamp) -> String {
        var best: (name: String, time: Timestamp, value: Double)?
        for line in series {
            for point in line.points where point.value.isFinite && point.value > (best?.value ?? -.infinity) {
                best = (line.name, point.time, point.value)
            }
        }
        guard let best else { return "" }
        return "\n\(what): \(format(best.value)) (\(escape(best.name)), \(Text.time(best.time))).\n"
    }

    static func table(_ headers: [String], _ rows: [[String]]) -> String {
        var out = "| " + headers.map(Text.cell).joined(separator: " | ") + " |\n"
        out += "|" + headers.map { _ in " --- " }.joined(separator: "|") + "|\n"
        for row in rows { out += "| " + row.map(Text.cell).joined(separator: " | ") + " |\n" }
        return out
    }

    /// Text outside a table: Markdown's own characters escaped.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            if "\\`*_[]<>#|".contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
