import InfermonCore

/// A single number in its threshold colour, with a sparkline of the range
/// under it when there is room. The first series is the stat; more series
/// (a query by label) are listed on the lines below when they fit.
enum StatRenderer {
    static func draw(
        _ panel: PanelSpec, _ data: PanelData, in area: Rect, into screen: inout ScreenBuffer, context: RenderContext
    ) {
        let glyphs = context.glyphs
        let series = data.series.filter { $0.current(end: data.end, step: data.step) != nil }
        guard let first = series.first, let value = first.current(end: data.end, step: data.step) else {
            // Data earlier in the range but none now (traffic stopped): say so, not the old value.
            let stale = data.series.contains { $0.last != nil }
            PanelFrame.drawMessage(stale ? "no data now" : "no data", in: area, into: &screen, glyphs: glyphs)
            return
        }
        let color = panel.thresholds.color(for: value)
        let text = panel.unit.format(value).truncated(to: area.width, ellipsis: glyphs.ellipsis)
        let valueStyle = CellStyle(foreground: color, bold: true)
        if series.count > 1 && area.height >= 2 {
            drawList(panel, series, data, in: area, into: &screen, glyphs: glyphs)
            return
        }
        let sparkRows = area.height >= 2 ? area.height - 1 : 0
        let valueRow = sparkRows > 0 ? area.y : area.y + (area.height - 1) / 2
        screen.write(text, x: area.x + max(0, (area.width - text.cellWidth) / 2), y: valueRow, style: valueStyle)
        if sparkRows > 0 {
            drawSparkline(
                first.samples, in: Rect(x: area.x, y: area.y + 1, width: area.width, height: sparkRows),
                color: color == .default ? .gray : color, into: &screen, glyphs: glyphs)
        }
    }

    /// Several values: `legend ... value` per line, each in its threshold colour.
    private static func drawList(
        _ panel: PanelSpec, _ series: [LabeledSeries], _ data: PanelData, in area: Rect,
        into screen: inout ScreenBuffer, glyphs: Glyphs
    ) {
        for (row, item) in series.prefix(area.height).enumerated() {
            guard let value = item.current(end: data.end, step: data.step) else { continue }
            let text = panel.unit.format(value)
            let labelWidth = max(0, area.width - text.cellWidth - 1)
            screen.write(item.legend.truncated(to: labelWidth, ellipsis: glyphs.ellipsis), x: area.x, y: area.y + row)
            screen.write(
                text, x: area.maxX - text.cellWidth, y: area.y + row,
                style: CellStyle(foreground: panel.thresholds.color(for: value), bold: true), clip: area)
        }
    }

    /// Bars rising from the bottom in eighths of a cell (ASCII: whole cells),
    /// one column per slice of time, scaled between the data's minimum and
    /// maximum so that small changes of a steady value still show; a flat
    /// series is drawn at half height.
    static func drawSparkline(
        _ samples: [Sample], in area: Rect, color: TerminalColor, into screen: inout ScreenBuffer, glyphs: Glyphs
    ) {
        let finite = samples.filter { $0.value.isFinite }
        guard area.width > 0, area.height > 0, !finite.isEmpty else { return }
        let low = finite.map(\.value).min()!
        let high = finite.map(\.value).max()!
        let columns = min(area.width, finite.count)
        let offset = area.width - columns
        let levels = area.height * 8
        for column in 0..<columns {
            // The newest sample of each slice.
            let index = min(finite.count - 1, (column + 1) * finite.count / columns - 1)
            // The lowest point keeps one eighth, so the line never vanishes.
            let fraction = high > low ? (finite[index].value - low) / (high - low) : 0.5
            let height = max(1, Int((fraction * Double(levels)).rounded()))
            for row in 0..<area.height {
                let cellLevel = min(8, max(0, height - row * 8))
                guard cellLevel > 0 else { break }
                let scalar = glyphs.unicode ? glyphs.sparkLevel(cellLevel - 1) : (cellLevel >= 4 ? "|" : ".")
                screen.put(
                    scalar, x: area.x + offset + column, y: area.maxY - 1 - row,
                    style: CellStyle(foreground: color, dim: true))
            }
        }
    }
}
