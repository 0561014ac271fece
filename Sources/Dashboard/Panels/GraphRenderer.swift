import InfermonCore

/// A time-series graph: braille lines (ASCII dots without UTF-8), a y axis
/// with three labelled ticks in the panel's unit, relative time labels under
/// the plot, and a legend with each series' last value.
enum GraphRenderer {
    static func draw(
        _ panel: PanelSpec, _ data: PanelData, in area: Rect, into screen: inout ScreenBuffer, context: RenderContext
    ) {
        let glyphs = context.glyphs
        let series = data.series.filter { $0.samples.contains { $0.value.isFinite } }
        guard !series.isEmpty else {
            PanelFrame.drawMessage("no data", in: area, into: &screen, glyphs: glyphs)
            return
        }
        // Legend lines: up to a quarter of the height, at least one.
        let legendLines = area.height >= 4 ? max(1, min(series.count, area.height / 4)) : 0
        let timeLine = area.height - legendLines >= 5 ? 1 : 0
        let plotHeight = area.height - legendLines - timeLine
        guard plotHeight >= 1 else { return }

        let (low, high) = yRange(panel, series)
        let labels = [high, (high + low) / 2, low].map { panel.unit.format($0, compact: true) }
        let axisWidth = min(area.width / 3, (labels.map(\.cellWidth).max() ?? 1) + 1)
        let plot = Rect(x: area.x + axisWidth, y: area.y, width: area.width - axisWidth, height: plotHeight)
        guard plot.width >= 2 else { return }

        // Y axis: top, middle and bottom ticks.
        let axisStyle = CellStyle(foreground: .gray)
        let tickRows: [Int]
        let tickLabels: [String]
        switch plotHeight {
        case 1: (tickRows, tickLabels) = ([0], [labels[0]])
        case 2: (tickRows, tickLabels) = ([0, 1], [labels[0], labels[2]])
        default: (tickRows, tickLabels) = ([0, (plotHeight - 1) / 2, plotHeight - 1], labels)
        }
        for (row, label) in zip(tickRows, tickLabels) {
            screen.write(label.leftPadded(to: axisWidth - 1), x: area.x, y: plot.y + row, style: axisStyle)
            screen.put(glyphs.axisTick, x: plot.x - 1, y: plot.y + row, style: axisStyle)
        }
        for row in 0..<plotHeight where !tickRows.contains(row) {
            screen.put(glyphs.vertical, x: plot.x - 1, y: plot.y + row, style: axisStyle)
        }

        var canvas = DotCanvas(columns: plot.width, rows: plot.height, glyphs: glyphs)
        let start = data.start
        let span = Double(max(1, data.end - data.start))
        let gap = maximumGap(series)
        for (index, item) in series.enumerated() {
            let color = Palette.color(index)
            var previous: (x: Int, y: Int, t: Timestamp)? = nil
            for sample in item.samples {
                guard sample.value.isFinite else {
                    previous = nil
                    continue
                }
                let x = Int((Double(sample.timestamp - start) / span * Double(canvas.width - 1)).rounded())
                let fraction = high == low ? 0.5 : (sample.value - low) / (high - low)
                let y = Int(((1 - min(1, max(0, fraction))) * Double(canvas.height - 1)).rounded())
                if let last = previous, sample.timestamp - last.t <= gap {
                    canvas.line(from: (last.x, last.y), to: (x, y), color: color)
                } else {
                    canvas.set(x: x, y: y, color: color)
                }
                previous = (x, y, sample.timestamp)
            }
        }
        canvas.draw(into: &screen, at: (plot.x, plot.y))

        if timeLine == 1 {
            let row = plot.maxY
            let range = data.end - data.start
            let left = "-" + formatAge(range)
            screen.write(left, x: plot.x, y: row, style: axisStyle)
            screen.write("now", x: plot.maxX - 3, y: row, style: axisStyle)
            let middle = "-" + formatAge(range / 2)
            let middleX = plot.x + plot.width / 2 - middle.cellWidth / 2
            if middleX > plot.x + left.cellWidth + 1 && middleX + middle.cellWidth < plot.maxX - 4 {
                screen.write(middle, x: middleX, y: row, style: axisStyle)
            }
        }
        if legendLines > 0 {
            drawLegend(
                series, unit: panel.unit,
                in: Rect(x: area.x, y: area.maxY - legendLines, width: area.width, height: legendLines),
                into: &screen, glyphs: glyphs)
        }
    }

    /// The y axis: the panel's min/max when set, else the data's, from zero for non-negative data.
    static func yRange(_ panel: PanelSpec, _ series: [LabeledSeries]) -> (Double, Double) {
        var low = Double.infinity
        var high = -Double.infinity
        for item in series {
            for sample in item.samples where sample.value.isFinite {
                low = min(low, sample.value)
                high = max(high, sample.value)
            }
        }
        if low >= 0 { low = 0 }
        if let min = panel.min { low = min }
        if let max = panel.max { high = max }
        if high <= low { high = low + (low == 0 ? 1 : abs(low)) }
        return (low, high)
    }

    /// Points further apart than two and a half steps are not joined: the series had a gap.
    private static func maximumGap(_ series: [LabeledSeries]) -> Int64 {
        var step = Int64.max
        for item in series {
            for (a, b) in zip(item.samples, item.samples.dropFirst()) { step = min(step, b.timestamp - a.timestamp) }
        }
        return step == .max ? .max : step * 5 / 2
    }

    /// Entries `■ name 1.2k` packed into the lines; what does not fit is dropped with `+N`.
    static func drawLegend(
        _ series: [LabeledSeries], unit: ValueUnit, in area: Rect, into screen: inout ScreenBuffer, glyphs: Glyphs
    ) {
        var x = area.x
        var y = area.y
        for (index, item) in series.enumerated() {
            let entry = "\(item.legend) \(item.last.map { unit.format($0) } ?? "-")"
            if x > area.x && x + 2 + entry.cellWidth > area.maxX {
                y += 1
                x = area.x
            }
            let room = area.maxX - x - 2
            if y >= area.maxY || room < 3 {
                // Say how many did not fit, over the end of the last line.
                let more = "+\(series.count - index)"
                let row = min(y, area.maxY - 1)
                screen.fill(Rect(x: area.maxX - more.cellWidth - 1, y: row, width: more.cellWidth + 1, height: 1))
                screen.write(more, x: area.maxX - more.cellWidth, y: row, style: CellStyle(foreground: .gray))
                return
            }
            screen.put(glyphs.legendMark, x: x, y: y, style: .color(Palette.color(index)))
            x = screen.write(entry.truncated(to: room, ellipsis: glyphs.ellipsis), x: x + 2, y: y, clip: area) + 2
        }
    }
}
