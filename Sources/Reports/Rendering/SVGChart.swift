import InfermonCore

/// Charts as inline SVG: no script, no font or file fetched, so the report
/// reads the same offline, in a mail client's viewer and in a browser.
enum SVGChart {
    static let palette = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777"]

    static func color(_ index: Int) -> String { palette[index % palette.count] }

    /// A time-series line chart; nil when there is no finite point to draw.
    static func line(
        _ series: [ChartSeries], title: String, from: Timestamp, to: Timestamp, format: (Double) -> String,
        width: Double = 760, height: Double = 240, yFloor: Double? = 0
    ) -> String? {
        let values = series.flatMap { $0.points.map(\.value) }.filter(\.isFinite)
        guard !values.isEmpty, to > from else { return nil }
        let left = 64.0
        let right = 12.0
        let top = 26.0
        let bottom = 40.0 + Double((series.count + 3) / 4) * 16
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        var low = min(yFloor ?? values.min()!, values.min()!)
        var high = values.max()!
        if high == low {
            high += high == 0 ? 1 : abs(high) * 0.1
            low -= low == 0 || yFloor == low ? 0 : abs(low) * 0.1
        }
        let ticks = niceTicks(low: low, high: high, count: 4)
        low = min(low, ticks.first!)
        high = max(high, ticks.last!)
        func x(_ time: Timestamp) -> Double { left + plotWidth * Double(time - from) / Double(to - from) }
        func y(_ value: Double) -> Double { top + plotHeight * (1 - (value - low) / (high - low)) }

        var svg = open(width: width, height: height, label: title)
        svg += "<text x=\"\(left)\" y=\"16\" class=\"chart-title\">\(Text.html(title))</text>"
        for tick in ticks {
            let position = f(y(tick))
            svg +=
                "<line x1=\"\(f(left))\" y1=\"\(position)\" x2=\"\(f(left + plotWidth))\" y2=\"\(position)\" class=\"grid\"/>"
            svg +=
                "<text x=\"\(f(left - 6))\" y=\"\(position)\" class=\"axis\" text-anchor=\"end\" dominant-baseline=\"middle\">"
            svg += Text.html(format(tick)) + "</text>"
        }
        for index in 0...4 {
            let time = from + (to - from) * Int64(index) / 4
            let anchor = index == 0 ? "start" : index == 4 ? "end" : "middle"
            svg +=
                "<text x=\"\(f(x(time)))\" y=\"\(f(top + plotHeight + 16))\" class=\"axis\" text-anchor=\"\(anchor)\">"
            svg += Text.html(Text.shortTime(time)) + "</text>"
        }
        svg +=
            "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" class=\"frame\"/>"
        for (index, line) in series.enumerated() {
            var runs: [[String]] = [[]]
            for point in line.points {
                guard point.value.isFinite, point.time >= from, point.time <= to else {
                    if !runs[runs.count - 1].isEmpty { runs.append([]) }
                    continue
                }
                runs[runs.count - 1].append("\(f(x(point.time))),\(f(y(point.value)))")
            }
            for run in runs where !run.isEmpty {
                if run.count == 1 {
                    let xy = run[0].split(separator: ",")
                    svg += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"2.5\" fill=\"\(color(index))\"/>"
                } else {
                    svg += "<polyline points=\"\(run.joined(separator: " "))\" fill=\"none\" stroke=\"\(color(index))\""
                    svg += " stroke-width=\"1.8\" stroke-linejoin=\"round\" class=\"series\"/>"
                }
            }
        }
        svg += legend(series.map(\.name), x: left, y: top + plotHeight + 32, width: plotWidth)
        return svg + "</svg>"
    }

    /// Budgets as horizontal bars: spend so far and the forecast, against a line at the limit.
    static func budgets(_ budgets: [BudgetLine], width: Double = 760) -> String? {
        guard !budgets.isEmpty else { return nil }
        let left = 150.0
        let right = 70.0
        let rowHeight = 34.0
        let height = 30 + rowHeight * Double(budgets.count) + 24
        let scale = max(1.2, budgets.map { max($0.forecastRatio, $0.usedRatio) }.max() ?? 1)
        let plotWidth = width - left - right
        func x(_ ratio: Double) -> Double { left + plotWidth * min(ratio, scale) / scale }
        var svg = open(width: width, height: height, label: "Budgets: spend and forecast against the limit")
        svg +=
            "<text x=\"\(f(left))\" y=\"16\" class=\"chart-title\">Spend and end-of-period forecast, share of limit</text>"
        for (index, budget) in budgets.enumerated() {
            let top = 28 + rowHeight * Double(index)
            svg += "<text x=\"\(f(left - 8))\" y=\"\(f(top + 14))\" class=\"axis\" text-anchor=\"end\">"
            svg += Text.html(budget.name) + "</text>"
            let over = budget.forecastRatio > 1
            svg +=
                "<rect x=\"\(f(left))\" y=\"\(f(top + 2))\" width=\"\(f(x(budget.forecastRatio) - left))\" height=\"20\""
            svg += " fill=\"\(over ? "#fecaca" : "#bfdbfe")\" class=\"bar forecast\"/>"
            svg += "<rect x=\"\(f(left))\" y=\"\(f(top + 6))\" width=\"\(f(x(budget.usedRatio) - left))\" height=\"12\""
            svg += " fill=\"\(over ? "#dc2626" : "#2563eb")\" class=\"bar spent\"/>"
            svg += "<text x=\"\(f(x(budget.forecastRatio) + 4))\" y=\"\(f(top + 16))\" class=\"axis\">"
            svg += Text.html(Text.percent(budget.forecastRatio)) + "</text>"
        }
        let limitX = f(x(1))
        svg += "<line x1=\"\(limitX)\" y1=\"24\" x2=\"\(limitX)\" y2=\"\(f(height - 20))\" class=\"limit\"/>"
        svg += "<text x=\"\(limitX)\" y=\"\(f(height - 6))\" class=\"axis\" text-anchor=\"middle\">limit</text>"
        return svg + "</svg>"
    }

    /// A reliability diagram: observed frequency against mean predicted
    /// probability per bin, with the diagonal of perfect calibration.
    static func reliability(_ curves: [(model: String, bins: [PerformanceSection.ReliabilityBin])], size: Double = 340)
        -> String?
    {
        guard curves.contains(where: { !$0.bins.isEmpty }) else { return nil }
        let margin = 44.0
        let legendHeight = Double((curves.count + 1) / 2) * 16
        let plot = size - margin - 14
        let height = size + legendHeight
        func x(_ value: Double) -> Double { margin + plot * max(0, min(1, value)) }
        func y(_ value: Double) -> Double { 20 + plot * (1 - max(0, min(1, value))) }
        var svg = open(width: size, height: height, label: "Reliability diagram")
        svg += "<text x=\"\(f(margin))\" y=\"14\" class=\"chart-title\">Reliability</text>"
        for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
            svg +=
                "<line x1=\"\(f(x(0)))\" y1=\"\(f(y(tick)))\" x2=\"\(f(x(1)))\" y2=\"\(f(y(tick)))\" class=\"grid\"/>"
            svg +=
                "<text x=\"\(f(margin - 6))\" y=\"\(f(y(tick)))\" class=\"axis\" text-anchor=\"end\" dominant-baseline=\"middle\">"
            svg += Text.fixed(tick, places: 2) + "</text>"
            svg += "<text x=\"\(f(x(tick)))\" y=\"\(f(y(0) + 14))\" class=\"axis\" text-anchor=\"middle\">"
            svg += Text.fixed(tick, places: 2) + "</text>"
        }
        svg += "<rect x=\"\(f(x(0)))\" y=\"\(f(y(1)))\" width=\"\(f(plot))\" height=\"\(f(plot))\" class=\"frame\"/>"
        svg += "<line x1=\"\(f(x(0)))\" y1=\"\(f(y(0)))\" x2=\"\(f(x(1)))\" y2=\"\(f(y(1)))\" class=\"diagonal\"/>"
        svg +=
            "<text x=\"\(f(x(0.5)))\" y=\"\(f(y(0) + 28))\" class=\"axis\" text-anchor=\"middle\">mean predicted probability</text>"
        for (index, curve) in curves.enumerated() {
            let points = curve.bins.map { "\(f(x($0.meanPredicted))),\(f(y($0.observed)))" }
            svg += "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"\(color(index))\""
            svg += " stroke-width=\"1.8\" class=\"series\"/>"
            for bin in curve.bins {
                svg +=
                    "<circle cx=\"\(f(x(bin.meanPredicted)))\" cy=\"\(f(y(bin.observed)))\" r=\"3\" fill=\"\(color(index))\"/>"
            }
        }
        svg += legend(curves.map(\.model), x: margin, y: size + 4, width: plot, columns: 2)
        return svg + "</svg>"
    }

    private static func open(width: Double, height: Double, label: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" aria-label=\"\(Text.html(label))\""
            + " width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\">"
    }

    private static func legend(_ names: [String], x: Double, y: Double, width: Double, columns: Int = 4) -> String {
        var svg = ""
        let column = width / Double(columns)
        for (index, name) in names.enumerated() {
            let left = x + column * Double(index % columns)
            let top = y + 16 * Double(index / columns)
            svg += "<rect x=\"\(f(left))\" y=\"\(f(top - 8))\" width=\"12\" height=\"4\" fill=\"\(color(index))\"/>"
            svg += "<text x=\"\(f(left + 16))\" y=\"\(f(top - 3))\" class=\"legend\">\(Text.html(name))</text>"
        }
        return svg
    }

    /// About `count` round tick values covering low...high.
    static func niceTicks(low: Double, high: Double, count: Int) -> [Double] {
        let span = high - low
        let raw = span / Double(count)
        var magnitude = 1.0
        while magnitude * 10 <= raw { magnitude *= 10 }
        while magnitude > raw { magnitude /= 10 }
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var tick = (low / step).rounded(.down) * step
        var ticks: [Double] = []
        while tick <= high + step * 0.5 && ticks.count < 12 {
            ticks.append(tick)
            if tick >= high { break }
            tick += step
        }
        return ticks
    }

    /// Coordinates with one decimal.
    static func f(_ value: Double) -> String { Text.fixed(value, places: 1) }
}
