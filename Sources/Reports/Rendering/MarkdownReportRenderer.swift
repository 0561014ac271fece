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
            return table(ReportTables.summary(report))
        case "traffic":
            let traffic = report.traffic
            guard !traffic.byModel.isEmpty else { return "_No requests in this period._\n" }
            return table(ReportTables.traffic(traffic))
                + peak("Peak request rate", traffic.rate, format: { Text.number($0) + "/s" }, at: report.to)
        case "latency":
            let lines = report.latency.lines
            guard !lines.isEmpty else { return "_No latency recorded in this period._\n" }
            return table(ReportTables.latency(lines))
                + peak(
                    "Worst p99 latency over one chart step", report.latency.latencyP99, format: Text.seconds,
                    at: report.to)
        case "cost":
            let cost = report.cost
            var out = cost.byModel.isEmpty ? "_No cost recorded in this period._\n" : table(ReportTables.spend(cost))
            out += "\n### Budgets\n\n"
            guard !cost.budgets.isEmpty else { return out + "_No budgets configured._\n" }
            return out + table(ReportTables.budgets(cost.budgets))
        case "slo":
            guard let slos = ReportTables.slos(report.slos) else { return "_No SLOs configured._\n" }
            return table(slos)
        case "drift":
            let out = report.drift.reference.isEmpty ? "" : "Compared with \(escape(report.drift.reference)).\n\n"
            guard !report.drift.rows.isEmpty else {
                return out + "_No drift results: too few events or no reference._\n"
            }
            return out + table(ReportTables.drift(report.drift.rows))
        case "hallucination":
            guard !report.hallucination.isEmpty else { return "_No hallucination rate measured in this period._\n" }
            return table(ReportTables.hallucination(report.hallucination))
        case "performance":
            let performance = report.performance
            guard performance.hasData else {
                return "_No labels: performance and calibration need ground truth joined to the predictions._\n"
            }
            var out = performance.metrics.isEmpty ? "" : table(ReportTables.performance(performance.metrics))
            for curve in performance.reliability {
                out += "\n### Reliability: \(escape(curve.model))\n\n"
                out += "Every \(performance.reliabilityWindow) window of the period, bins weighted by their events.\n\n"
                out += table(ReportTables.reliability(curve.bins))
            }
            return out
        case "incidents":
            let incidents = report.incidents
            var out = "### Alerts fired\n\n"
            out +=
                incidents.alerts.isEmpty
                ? "_No alert fired in this period._\n" : table(ReportTables.alerts(incidents.alerts))
            out += "\n### Notifications sent\n\n"
            out +=
                incidents.notifications.isEmpty
                ? "_No notification sent in this period._\n"
                : table(ReportTables.notifications(incidents.notifications))
            return out
        case "canaries":
            guard !report.canaries.isEmpty else { return "_No canaries: no canary comparison ran in this period._\n" }
            return table(ReportTables.canaries(report.canaries))
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

    /// A GitHub table: a total's first cell and a flagged row's stressed cell in bold.
    static func table(_ table: ReportTable) -> String {
        var out = "| " + table.headers.map(Text.cell).joined(separator: " | ") + " |\n"
        out += "|" + table.headers.map { _ in " --- " }.joined(separator: "|") + "|\n"
        for (index, row) in table.rows.enumerated() {
            let cells = row.enumerated().map { column, text in
                let bold =
                    (table.hasTotal && index == table.rows.count - 1 && column == 0)
                    || (table.isFlagged(index) && column == table.stressed)
                return bold ? "**" + Text.cell(text) + "**" : Text.cell(text)
            }
            out += "| " + cells.joined(separator: " | ") + " |\n"
        }
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
