import InfermonCore
import Query

/// A line chart of a range query's series as inline SVG: one polyline per
/// series (broken where a series has no point), value and time axes, and a
/// legend. Drawn on the server, so the page needs no charting script.
struct SVGChart {
    /// Series drawn at most; the legend says how many were left out.
    static let maxSeries = 50
    static let width = 900.0
    static let height = 300.0
    static let margin = (left: 70.0, right: 12.0, top: 10.0, bottom: 28.0)
    static let palette = [
        "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    ]

    var series: [Series]
    var start: Timestamp
    var end: Timestamp

    func render() -> String {
        let shown = Array(series.prefix(Self.maxSeries))
        let values = shown.flatMap { $0.samples.map(\.value) }.filter(\.isFinite)
        guard !values.isEmpty else { return #"<p class="note" id="chart-empty">No points in this range.</p>"# }
        var low = values.min()!
        var high = values.max()!
        if low == high {
            low -= low == 0 ? 1 : Swift.abs(low) * 0.1
            high += high == 0 ? 1 : Swift.abs(high) * 0.1
        }
        let plot = (
            x: Self.margin.left, y: Self.margin.top,
            width: Self.width - Self.margin.left - Self.margin.right,
            height: Self.height - Self.margin.top - Self.margin.bottom
        )
        let span = Double(max(1, end - start))
        func x(_ time: Timestamp) -> Double { plot.x + Double(time - start) / span * plot.width }
        func y(_ value: Double) -> Double { plot.y + (high - value) / (high - low) * plot.height }

        var svg =
            #"<svg class="chart" id="chart-svg" role="img" viewBox="0 0 \#(Int(Self.width)) \#(Int(Self.height))" "#
        svg += #"width="100%" preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">"#
        svg += #"<g font-size="11" fill="rgb(91,102,115)">"#
        for index in 0...4 {
            let value = low + (high - low) * Double(index) / 4
            let lineY = format(y(value))
            svg += #"<line x1="\#(format(plot.x))" x2="\#(format(plot.x + plot.width))" y1="\#(lineY)" "#
            svg += #"y2="\#(lineY)" stroke="rgb(228,232,238)"/>"#
            svg += #"<text x="\#(format(plot.x - 6))" y="\#(lineY)" text-anchor="end" dy="4">"#
            svg += HTML.escape(Self.tick(value)) + "</text>"
            let time = start + Int64(Double(end - start) * Double(index) / 4)
            let anchor = index == 0 ? "start" : index == 4 ? "end" : "middle"
            svg += #"<text x="\#(format(x(time)))" y="\#(format(Self.height - 8))" text-anchor="\#(anchor)">"#
            svg += HTML.escape(Self.timeTick(time, span: end - start)) + "</text>"
        }
        svg += "</g>"
        for (index, series) in shown.enumerated() {
            let color = Self.palette[index % Self.palette.count]
            svg += #"<g class="series" stroke="\#(color)" fill="none" stroke-width="1.5">"#
            svg += "<title>\(HTML.escape(series.labels.description))</title>"
            for run in Self.runs(series.samples) {
                let points = run.map { "\(format(x($0.timestamp))),\(format(y($0.value)))" }
                if run.count == 1 {
                    svg += #"<circle cx="\#(format(x(run[0].timestamp)))" cy="\#(format(y(run[0].value)))" "#
                    svg += #"r="2" fill="\#(color)"/>"#
                } else {
                    svg += #"<polyline points="\#(points.joined(separator: " "))"/>"#
                }
            }
            svg += "</g>"
        }
        svg += "</svg>"
        return svg + legend(shown)
    }

    func legend(_ shown: [Series]) -> String {
        var out = #"<ul class="legend">"#
        for (index, series) in shown.enumerated() {
            let color = Self.palette[index % Self.palette.count]
            out += #"<li><span class="swatch" style="background:\#(color)"></span>"#
            out += HTML.labels(series.labels) + "</li>"
        }
        out += "</ul>"
        if series.count > shown.count {
            out += #"<p class="note">\#(series.count - shown.count) more series not drawn.</p>"#
        }
        return out
    }

    /// Consecutive finite points; a gap or a NaN starts a new run.
    static func runs(_ samples: [Sample]) -> [[Sample]] {
        var runs: [[Sample]] = []
        var current: [Sample] = []
        for sample in samples {
            if sample.value.isFinite {
                current.append(sample)
            } else if !current.isEmpty {
                runs.append(current)
                current = []
            }
        }
        if !current.isEmpty { runs.append(current) }
        return runs
    }

    /// A value label: Prometheus's float text, shortened to four significant digits.
    static func tick(_ value: Double) -> String {
        let magnitude = Swift.abs(value)
        if magnitude != 0 && (magnitude >= 1e6 || magnitude < 1e-3) {
            return RulesJSON.exponentNumber((value * 1000).rounded() / 1000)
        }
        let scale = magnitude >= 100 ? 1.0 : magnitude >= 1 ? 100.0 : 10_000.0
        return formatPrometheusFloat((value * scale).rounded() / scale)
    }

    /// `15:04:05` (UTC); with the date when the range is over a day.
    static func timeTick(_ time: Timestamp, span: Int64) -> String {
        let text = TimeParsing.formatRFC3339(time)
        let date = text.prefix(10)
        let clock = text.dropFirst(11).prefix(8)
        return span > 86_400_000 ? "\(date.dropFirst(5)) \(clock.prefix(5))" : String(clock)
    }

    private func format(_ value: Double) -> String {
        formatPrometheusFloat((value * 10).rounded() / 10)
    }
}
