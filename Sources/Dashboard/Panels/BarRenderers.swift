/// Horizontal bars, one per series, with the label on the left and the value
/// on the right: a gauge fills between the panel's min and max (ratio: 0…1,
/// percent: 0…100) in its threshold colour; a bar chart scales to the largest
/// value, sorted largest first.
enum BarRenderers {
    static func drawGauge(
        _ panel: PanelSpec, _ data: PanelData, in area: Rect, into screen: inout ScreenBuffer, context: RenderContext
    ) {
        let values = data.values.filter { $0.value.isFinite }
        guard !values.isEmpty else {
            PanelFrame.drawMessage("no data", in: area, into: &screen, glyphs: context.glyphs)
            return
        }
        let low = panel.min ?? 0
        let high = panel.max ?? defaultMaximum(panel.unit, values.map(\.value))
        draw(
            values.prefix(panel.limit).map { ($0.legend, $0.value, panel.thresholds.color(for: $0.value)) },
            low: low, high: high, unit: panel.unit, showsLabels: values.count > 1, in: area, into: &screen,
            glyphs: context.glyphs)
    }

    static func drawBarChart(
        _ panel: PanelSpec, _ data: PanelData, in area: Rect, into screen: inout ScreenBuffer, context: RenderContext
    ) {
        let values = data.values.filter { $0.value.isFinite }.sorted { $0.value > $1.value }
        guard !values.isEmpty else {
            PanelFrame.drawMessage("no data", in: area, into: &screen, glyphs: context.glyphs)
            return
        }
        let high = panel.max ?? max(values[0].value, 0)
        let entries = values.prefix(panel.limit).enumerated().map { index, item in
            (
                item.legend, item.value,
                panel.thresholds.isEmpty ? Palette.color(index) : panel.thresholds.color(for: item.value)
            )
        }
        draw(
            Array(entries), low: panel.min ?? 0, high: high, unit: panel.unit, showsLabels: true, in: area,
            into: &screen, glyphs: context.glyphs)
    }

    static func defaultMaximum(_ unit: ValueUnit, _ values: [Double]) -> Double {
        switch unit {
        case .ratio: return 1
        case .percent: return 100
        default: return max(values.max() ?? 1, 1e-12)
        }
    }

    /// Rows `label ███████▌░░░░ value`, spread over the height when there is room.
    private static func draw(
        _ entries: [(label: String, value: Double, color: TerminalColor)], low: Double, high: Double, unit: ValueUnit,
        showsLabels: Bool, in area: Rect, into screen: inout ScreenBuffer, glyphs: Glyphs
    ) {
        let shown = Array(entries.prefix(area.height))
        guard !shown.isEmpty, area.width >= 4 else { return }
        let texts = shown.map { unit.format($0.value) }
        let valueWidth = texts.map(\.cellWidth).max() ?? 0
        let labelWidth =
            showsLabels ? min(shown.map(\.label.cellWidth).max() ?? 0, max(0, (area.width - valueWidth) / 3)) : 0
        let barX = area.x + (labelWidth > 0 ? labelWidth + 1 : 0)
        let barWidth = area.maxX - barX - valueWidth - 1
        // One entry per line, centred vertically when they leave room.
        let top = area.y + max(0, (area.height - shown.count) / 2)
        for (row, entry) in shown.enumerated() {
            let y = top + row
            if labelWidth > 0 {
                screen.write(entry.label.truncated(to: labelWidth, ellipsis: glyphs.ellipsis), x: area.x, y: y)
            }
            if barWidth >= 1 {
                let fraction = high > low ? min(1, max(0, (entry.value - low) / (high - low))) : 0
                let eighths = Int((fraction * Double(barWidth * 8)).rounded())
                let style = CellStyle.color(entry.color == .default ? .cyan : entry.color)
                for column in 0..<barWidth {
                    let filled = eighths - column * 8
                    if filled >= 8 {
                        screen.put(glyphs.fullBlock, x: barX + column, y: y, style: style)
                    } else if filled > 0, let partial = glyphs.partialBlock(eighths: filled) {
                        screen.put(partial, x: barX + column, y: y, style: style)
                    } else if filled >= 4 {
                        screen.put(glyphs.fullBlock, x: barX + column, y: y, style: style)
                    } else {
                        screen.put(glyphs.lightShade, x: barX + column, y: y, style: CellStyle(foreground: .gray))
                    }
                }
            }
            let text = texts[row]
            screen.write(
                text, x: area.maxX - text.cellWidth, y: y, style: CellStyle(foreground: entry.color, bold: true),
                clip: area)
        }
    }
}
