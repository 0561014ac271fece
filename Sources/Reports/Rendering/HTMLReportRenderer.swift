import InfermonCore

/// The report as one self-contained HTML file: inline CSS, charts as inline
/// SVG, no script, and nothing fetched from anywhere (no fonts, images or
/// style sheets), so it can be mailed, archived or opened offline.
public enum HTMLReportRenderer {
    /// The sections in page order: `id` of the `<section>` and its heading.
    public static let sections: [(id: String, title: String)] = [
        ("summary", "Summary"),
        ("traffic", "Traffic and errors"),
        ("latency", "Latency and time to first token"),
        ("cost", "Cost and budgets"),
        ("slo", "Service-level objectives"),
        ("drift", "Drift"),
        ("hallucination", "Hallucination rate"),
        ("performance", "Model performance and calibration"),
        ("incidents", "Incidents"),
        ("canaries", "Canary verdicts"),
    ]

    public static func render(_ report: MonitoringReport) -> String {
        var page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        page += "<meta name=\"generator\" content=\"infermon report\">\n"
        page += "<title>\(Text.html(report.title))</title>\n<style>\(style)</style>\n</head>\n<body>\n<main>\n"
        page += "<header><h1>\(Text.html(report.title))</h1><p class=\"period\">"
        page += "\(Text.html(Text.time(report.from))) – \(Text.html(Text.time(report.to)))"
        page += report.model.map { " · model <code>\(Text.html($0))</code>" } ?? " · all models"
        page += " · generated \(Text.html(Text.time(report.generatedAt)))</p></header>\n"
        if !report.problems.isEmpty {
            page += "<div class=\"problems\"><strong>Parts of this report could not be read:</strong><ul>"
            page += report.problems.map { "<li>\(Text.html($0))</li>" }.joined() + "</ul></div>\n"
        }
        for (id, title) in sections {
            page += "<section id=\"\(id)\">\n<h2>\(Text.html(title))</h2>\n"
            page += body(of: id, report)
            page += "\n</section>\n"
        }
        page += "<footer>infermon · times in UTC · quantiles from the store's sketches"
        page += " (exact within their relative accuracy)</footer>\n</main>\n</body>\n</html>\n"
        return page
    }

    static func body(of section: String, _ report: MonitoringReport) -> String {
        switch section {
        case "summary": summary(report)
        case "traffic": traffic(report)
        case "latency": latency(report)
        case "cost": cost(report)
        case "slo": slo(report)
        case "drift": drift(report)
        case "hallucination": hallucination(report)
        case "performance": performance(report)
        case "incidents": incidents(report)
        case "canaries": canaries(report)
        default: ""
        }
    }

    // MARK: Sections

    static func summary(_ report: MonitoringReport) -> String {
        let p99 = report.latency.lines.filter { $0.metric == "latency" }.map(\.p99).filter(\.isFinite).max()
        let drifted = report.drift.rows.filter(\.isDrift).count
        let breached = report.slos.filter(\.isBreached).count
        let cards: [(String, String, Bool)] = [
            ("requests", Text.number(report.traffic.requests), false),
            (
                "error rate", Text.percent(report.traffic.requests > 0 ? report.traffic.errorRatioOverall : nil),
                report.traffic.errorRatioOverall > 0.05
            ),
            ("worst p99 latency", p99.map(Text.seconds) ?? "–", false),
            ("spend", Text.usd(report.cost.totalUSD), report.cost.budgets.contains { $0.forecastRatio > 1 }),
            ("alerts fired", String(report.incidents.alerts.count), !report.incidents.alerts.isEmpty),
            ("drifted fields", String(drifted), drifted > 0),
            ("SLOs breached", "\(breached) of \(report.slos.count)", breached > 0),
        ]
        return "<div class=\"cards\">"
            + cards.map { name, value, bad in
                "<div class=\"card\(bad ? " bad" : "")\"><div class=\"value\">\(Text.html(value))</div>"
                    + "<div class=\"name\">\(Text.html(name))</div></div>"
            }.joined() + "</div>"
    }

    static func traffic(_ report: MonitoringReport) -> String {
        let traffic = report.traffic
        guard !traffic.byModel.isEmpty else { return empty("No requests in this period.") }
        var html = table(ReportTables.traffic(traffic))
        html += chart(
            SVGChart.line(
                traffic.rate, title: "Requests per second", from: report.from, to: report.to,
                format: { Text.number($0) }))
        html += chart(
            SVGChart.line(
                traffic.errorRatio, title: "Error rate", from: report.from, to: report.to,
                format: { Text.percent($0) }))
        return html
    }

    static func latency(_ report: MonitoringReport) -> String {
        let lines = report.latency.lines
        guard !lines.isEmpty else { return empty("No latency recorded in this period.") }
        var html = table(ReportTables.latency(lines))
        html += chart(
            SVGChart.line(
                report.latency.latencyP99, title: "p99 end-to-end latency", from: report.from, to: report.to,
                format: Text.seconds))
        html += chart(
            SVGChart.line(
                report.latency.ttftP99, title: "p99 time to first token", from: report.from, to: report.to,
                format: Text.seconds))
        return html
    }

    static func cost(_ report: MonitoringReport) -> String {
        let cost = report.cost
        var html = ""
        if cost.byModel.isEmpty {
            html += empty("No cost recorded in this period.")
        } else {
            html += table(ReportTables.spend(cost))
            html += chart(
                SVGChart.line(
                    cost.hourly, title: "Spend, USD per hour", from: report.from, to: report.to, format: Text.usd))
        }
        html += "<h3>Budgets</h3>"
        guard !cost.budgets.isEmpty else { return html + empty("No budgets configured.") }
        html += table(ReportTables.budgets(cost.budgets))
        html += chart(SVGChart.budgets(cost.budgets))
        return html
    }

    static func slo(_ report: MonitoringReport) -> String {
        guard let slos = ReportTables.slos(report.slos) else { return empty("No SLOs configured.") }
        return table(slos)
            + "<p class=\"note\">Burn rate 1 spends the error budget exactly over the SLO period;"
            + " 14.4 over 1 hour spends 2% of a 30-day budget.</p>"
    }

    static func drift(_ report: MonitoringReport) -> String {
        let rows = report.drift.rows
        var html = report.drift.reference.isEmpty ? "" : "<p>Compared with \(Text.html(report.drift.reference)).</p>"
        guard !rows.isEmpty else { return html + empty("No drift results: too few events or no reference.") }
        html += table(ReportTables.drift(rows))
        return html
    }

    static func hallucination(_ report: MonitoringReport) -> String {
        guard !report.hallucination.isEmpty else { return empty("No hallucination rate measured in this period.") }
        return table(ReportTables.hallucination(report.hallucination))
            + "<p class=\"note\">Methods: <code>ppi</code> prediction-powered (scorer on every sampled response, corrected"
            + " by gold labels), <code>gold</code> gold labels alone, <code>scorer</code> the scorer alone."
            + " Intervals are 95%.</p>"
            + intervalChart(report.hallucination)
    }

    /// The rates with their intervals as a dot-and-whisker chart.
    static func intervalChart(_ lines: [HallucinationLine]) -> String {
        let drawn = lines.filter { $0.estimate != nil }
        guard !drawn.isEmpty else { return "" }
        let width = 760.0
        let left = 240.0
        let plot = width - left - 20
        let top = Double(max(drawn.compactMap(\.upper).max() ?? 0, drawn.compactMap(\.estimate).max() ?? 0))
        let scale = SVGChart.niceTicks(low: 0, high: max(top, 0.01), count: 4)
        let high = scale.last!
        func x(_ value: Double) -> Double { left + plot * value / high }
        let height = 30 + Double(drawn.count) * 24 + 20
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\""
        svg += " aria-label=\"Hallucination rate with intervals\" width=\"\(SVGChart.f(width))\""
        svg += " height=\"\(SVGChart.f(height))\" viewBox=\"0 0 \(SVGChart.f(width)) \(SVGChart.f(height))\">"
        svg += "<text x=\"\(SVGChart.f(left))\" y=\"16\" class=\"chart-title\">Rate and 95% interval</text>"
        for tick in scale {
            svg += "<line x1=\"\(SVGChart.f(x(tick)))\" y1=\"24\" x2=\"\(SVGChart.f(x(tick)))\""
            svg += " y2=\"\(SVGChart.f(height - 18))\" class=\"grid\"/>"
            svg += "<text x=\"\(SVGChart.f(x(tick)))\" y=\"\(SVGChart.f(height - 4))\" class=\"axis\""
            svg += " text-anchor=\"middle\">\(Text.percent(tick))</text>"
        }
        for (index, line) in drawn.enumerated() {
            let y = 36 + Double(index) * 24
            let name = "\(line.model) \(line.route.isEmpty ? "" : line.route + " ")\(line.method) \(line.window)"
            svg += "<text x=\"\(SVGChart.f(left - 8))\" y=\"\(SVGChart.f(y + 4))\" class=\"axis\""
            svg += " text-anchor=\"end\">\(Text.html(name))</text>"
            if let lower = line.lower, let upper = line.upper {
                svg += "<line x1=\"\(SVGChart.f(x(lower)))\" y1=\"\(SVGChart.f(y))\" x2=\"\(SVGChart.f(x(upper)))\""
                svg += " y2=\"\(SVGChart.f(y))\" stroke=\"\(SVGChart.color(0))\" stroke-width=\"3\" class=\"series\"/>"
            }
            svg += "<circle cx=\"\(SVGChart.f(x(line.estimate!)))\" cy=\"\(SVGChart.f(y))\" r=\"4.5\""
            svg += " fill=\"\(SVGChart.color(1))\"/>"
        }
        return chart(svg + "</svg>")
    }

    static func performance(_ report: MonitoringReport) -> String {
        let performance = report.performance
        guard performance.hasData else {
            return empty("No labels: performance and calibration need ground truth joined to the predictions.")
        }
        var html = ""
        if !performance.metrics.isEmpty {
            html += table(ReportTables.performance(performance.metrics))
        }
        if let diagram = SVGChart.reliability(performance.reliability) {
            html += "<h3>Reliability diagram</h3><p>Every \(Text.html(performance.reliabilityWindow)) window of"
            html += " the period, bins weighted by their labelled events.</p>" + chart(diagram)
            html += "<p class=\"note\">Points below the diagonal: the model is over-confident in that range.</p>"
        }
        return html
    }

    static func incidents(_ report: MonitoringReport) -> String {
        let incidents = report.incidents
        var html = "<h3>Alerts fired</h3>"
        if incidents.alerts.isEmpty {
            html += empty("No alert fired in this period.")
        } else {
            html += table(ReportTables.alerts(incidents.alerts))
        }
        html += "<h3>Notifications sent</h3>"
        if incidents.notifications.isEmpty {
            html += empty("No notification sent in this period.")
        } else {
            html += table(ReportTables.notifications(incidents.notifications))
        }
        return html
    }

    static func canaries(_ report: MonitoringReport) -> String {
        guard !report.canaries.isEmpty else { return empty("No canaries: no canary comparison ran in this period.") }
        return table(ReportTables.canaries(report.canaries))
    }

    // MARK: Parts

    static func empty(_ text: String) -> String { "<p class=\"empty\">\(Text.html(text))</p>" }

    static func chart(_ svg: String?) -> String {
        guard let svg else { return "" }
        return "<figure class=\"chart\">\(svg)</figure>"
    }

    static func table(_ table: ReportTable) -> String {
        func cell(_ tag: String, _ column: Int, _ text: String) -> String {
            "<\(tag)\(table.numeric.contains(column) ? " class=\"num\"" : "")>\(Text.html(text))</\(tag)>"
        }
        var html = "<table><thead><tr>"
        html += table.headers.enumerated().map { cell("th", $0.offset, $0.element) }.joined()
        html += "</tr></thead><tbody>"
        for (index, row) in table.rows.enumerated() {
            html += table.isFlagged(index) ? "<tr class=\"bad\">" : "<tr>"
            html += row.enumerated().map { cell("td", $0.offset, $0.element) }.joined()
            html += "</tr>"
        }
        return html + "</tbody></table>"
    }

    /// System fonts only: nothing is fetched.
    static let style = """
        body{margin:0;background:#f8fafc;color:#0f172a;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,\
        "DejaVu Sans",sans-serif}
        main{max-width:1000px;margin:0 auto;padding:24px}
        header h1{margin:0 0 4px;font-size:24px}.period{margin:0;color:#475569}
        section{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:16px 20px;margin:16px 0}
        h2{margin:0 0 12px;font-size:18px}h3{margin:16px 0 8px;font-size:15px;color:#334155}
        table{border-collapse:collapse;width:100%;margin:8px 0;font-variant-numeric:tabular-nums}
        th,td{padding:4px 8px;border-bottom:1px solid #e2e8f0;text-align:left;vertical-align:top}
        th{background:#f1f5f9;font-weight:600}.num{text-align:right}tr.bad td{background:#fef2f2;color:#991b1b}
        .cards{display:flex;flex-wrap:wrap;gap:10px}.card{flex:1 1 120px;border:1px solid #e2e8f0;border-radius:6px;\
        padding:10px}.card .value{font-size:20px;font-weight:600}.card .name{color:#64748b}\
        .card.bad{border-color:#fca5a5;background:#fef2f2}
        figure.chart{margin:12px 0}svg.chart{max-width:100%;height:auto;display:block}
        .chart-title{font-size:13px;font-weight:600;fill:#334155}.axis{font-size:11px;fill:#64748b}\
        .legend{font-size:11px;fill:#334155}
        .grid{stroke:#e2e8f0;stroke-width:1}.frame{fill:none;stroke:#cbd5e1}.limit{stroke:#0f172a;stroke-dasharray:4 3}
        .diagonal{stroke:#94a3b8;stroke-dasharray:5 4}.empty{color:#64748b;font-style:italic}.note{color:#64748b;font-size:12px}
        .problems{background:#fff7ed;border:1px solid #fdba74;border-radius:8px;padding:8px 16px}
        code{background:#f1f5f9;padding:0 4px;border-radius:3px}footer{color:#94a3b8;font-size:12px;margin-top:24px}
        """
}
