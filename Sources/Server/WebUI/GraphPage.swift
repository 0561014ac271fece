import Hummingbird
import InfermonCore
import Query

/// `/graph`'s parameters, named as Prometheus's own UI names them so the
/// links in alerts (`/graph?g0.expr=…&g0.tab=1`) open here.
struct GraphRequest: Sendable {
    /// Prometheus's tabs: 0 is the graph, 1 the table.
    static let graphTab = 0
    static let tableTab = 1
    static let defaultRange: Int64 = 3_600_000
    /// Points per series the chart asks for when no step is given.
    static let targetPoints: Int64 = 250

    var expression: String
    var tab: Int
    var rangeInput: String
    var endInput: String
    var stepInput: String
    var range: Int64 = defaultRange
    var end: Timestamp
    var step: Int64
    /// Parameters that could not be read; the page says so and uses the default.
    var problems: [String] = []

    init(_ parameters: FormParameters, now: Timestamp) {
        expression = parameters["g0.expr"] ?? parameters["expr"] ?? ""
        tab = parameters["g0.tab"].flatMap { Int($0) } == Self.graphTab ? Self.graphTab : Self.tableTab
        rangeInput = parameters["g0.range_input"] ?? ""
        endInput = parameters["g0.end_input"] ?? parameters["g0.moment_input"] ?? ""
        stepInput = parameters["g0.step_input"] ?? ""
        end = now
        step = 0
        if !rangeInput.isEmpty {
            if let millis = TimeParsing.durationMillis(rangeInput), millis > 0 {
                range = millis
            } else {
                problems.append("range \"\(rangeInput)\" is not a duration such as 1h or 30m")
            }
        }
        if !endInput.isEmpty {
            if let seconds = Double(endInput), seconds.isFinite {
                end = Timestamp((seconds * 1000).rounded())
            } else if let millis = TimeParsing.rfc3339Millis(endInput) {
                end = millis
            } else {
                problems.append("end \"\(endInput)\" is not a time such as 2026-01-02 15:04:05 (UTC)")
            }
        }
        if !stepInput.isEmpty {
            if let millis = TimeParsing.durationMillis(stepInput)
                ?? Double(stepInput).flatMap({ seconds in
                    seconds.isFinite && seconds > 0 ? Int64((seconds * 1000).rounded()) : nil
                }), millis > 0
            {
                step = millis
            } else {
                problems.append("step \"\(stepInput)\" is not a duration such as 15s")
            }
        }
        if step == 0 { step = max(1000, (range / Self.targetPoints) / 1000 * 1000) }
        // Stay under the query API's cap on points per series.
        let cap = Int64(QueryOptions().maxPointsPerSeries)
        if range / step >= cap { step = range / cap + 1 }
    }

    var start: Timestamp { end - range }

    /// Both queries: the table at `end`, the chart over `[end - range, end]`.
    func run(_ query: WebUIQuery) -> GraphOutcome {
        guard !expression.allSatisfy(\.isWhitespace) else { return GraphOutcome() }
        func attempt(_ body: () throws -> QueryResult) -> GraphOutcome.Answer {
            do { return .value(try body()) } catch { return .failure(Self.message(error)) }
        }
        let table = attempt {
            try query.engine.instant(
                expression, at: end, querier: query.querier, sketches: query.sketches, limits: query.limits)
        }
        let chart = attempt {
            try query.engine.range(
                expression, start: start, end: end, step: step, querier: query.querier, sketches: query.sketches,
                limits: query.limits)
        }
        return GraphOutcome(table: table, chart: chart)
    }

    static func message(_ error: any Error) -> String {
        (error as? InfermonError)?.message ?? "\(error)"
    }

    /// This page with another tab, for the tab links.
    func link(tab: Int) -> String {
        var link = HTML.graphLink(expression, tab: tab)
        for (name, value) in [("range_input", rangeInput), ("end_input", endInput), ("step_input", stepInput)]
        where !value.isEmpty {
            link += "&g0.\(name)=\(HTML.queryEscape(value))"
        }
        return link
    }
}

/// What the two queries answered.
struct GraphOutcome: Sendable {
    enum Answer: Sendable {
        case none
        case value(QueryResult)
        case failure(String)
    }

    var table: Answer = .none
    var chart: Answer = .none
}

/// Renders `/graph`: the query form, then the table and the chart (the tab
/// asked for comes first).
enum GraphPage {
    /// Rows the table shows at most; the rest are counted.
    static let maxRows = 1000

    static func render(_ request: GraphRequest, _ outcome: GraphOutcome) -> Response {
        var body = form(request)
        for problem in request.problems { body += #"<p class="error">\#(HTML.escape(problem))</p>"# }
        let table = #"<section id="table"><h2>Table</h2>"# + tableSection(request, outcome.table) + "</section>"
        let chart = #"<section id="chart"><h2>Graph</h2>"# + chartSection(request, outcome.chart) + "</section>"
        body += request.tab == GraphRequest.graphTab ? chart + table : table + chart
        return HTMLPage.response(title: "Graph", tab: .graph, body: body)
    }

    static func form(_ request: GraphRequest) -> String {
        let tabs = [(GraphRequest.tableTab, "Table first"), (GraphRequest.graphTab, "Graph first")].map { tab, name in
            tab == request.tab ? "<b>\(name)</b>" : #"<a href="\#(HTML.escape(request.link(tab: tab)))">\#(name)</a>"#
        }
        return """
            <form class="query" method="get" action="/graph">
            <textarea name="g0.expr" id="expr" rows="3" placeholder="PromQL expression, e.g. rate(infermon_requests_total[5m])">\
            \(HTML.escape(request.expression))</textarea>
            <p><label>Range <input name="g0.range_input" size="6" value="\(HTML.escape(request.rangeInput))" \
            placeholder="1h"></label>
            <label>End (UTC) <input name="g0.end_input" size="20" value="\(HTML.escape(request.endInput))" \
            placeholder="now"></label>
            <label>Step <input name="g0.step_input" size="6" value="\(HTML.escape(request.stepInput))" \
            placeholder="\(TimeParsing.formatDuration(request.step))"></label>
            <input type="hidden" name="g0.tab" value="\(request.tab)">
            <button type="submit" id="execute">Execute</button>
            <span class="note">\(tabs.joined(separator: " · "))</span></p>
            </form>
            """
    }

    static func tableSection(_ request: GraphRequest, _ answer: GraphOutcome.Answer) -> String {
        switch answer {
        case .none: return #"<p class="note">Enter an expression.</p>"#
        case .failure(let message): return #"<p class="error">\#(HTML.escape(message))</p>"#
        case .value(let result):
            var rows: [String] = []
            switch result {
            case .scalar(let sample):
                rows = [row("<i>scalar</i>", formatPrometheusFloat(sample.value))]
            case .string(let text, _):
                rows = [row("<i>string</i>", HTML.escape(text))]
            case .vector(let samples):
                rows = samples.prefix(maxRows).map { row(HTML.labels($0.labels), formatPrometheusFloat($0.value)) }
            case .matrix(let series):
                rows = series.prefix(maxRows).map { series in
                    let values = series.samples.map {
                        "\(formatPrometheusFloat($0.value)) @\(HTML.escape(TimeParsing.formatRFC3339($0.timestamp)))"
                    }
                    return row(HTML.labels(series.labels), values.joined(separator: "<br>"))
                }
            }
            let total = count(result)
            var out = #"<p class="note">Evaluated at \#(HTML.time(request.end)); \#(total) result(s).</p>"#
            guard total > 0 else { return out + #"<p class="note" id="empty">Empty query result.</p>"# }
            out += #"<table id="result-table"><thead><tr><th>Series</th><th>Value</th></tr></thead><tbody>"#
            out += rows.joined() + "</tbody></table>"
            if total > maxRows { out += #"<p class="note">\#(total - maxRows) more not shown.</p>"# }
            return out
        }
    }

    static func chartSection(_ request: GraphRequest, _ answer: GraphOutcome.Answer) -> String {
        switch answer {
        case .none: return ""
        case .failure(let message): return #"<p class="error">\#(HTML.escape(message))</p>"#
        case .value(let result):
            guard case .matrix(let series) = result else { return "" }
            let range =
                "\(HTML.time(request.start)) to \(HTML.time(request.end)), step "
                + TimeParsing.formatDuration(request.step)
            return #"<p class="note">\#(range)</p>"#
                + SVGChart(series: series, start: request.start, end: request.end).render()
        }
    }

    static func row(_ series: String, _ value: String) -> String {
        #"<tr class="series-row"><td>\#(series)</td><td class="num">\#(value)</td></tr>"#
    }

    static func count(_ result: QueryResult) -> Int {
        switch result {
        case .scalar, .string: return 1
        case .vector(let samples): return samples.count
        case .matrix(let series): return series.count
        }
    }
}
