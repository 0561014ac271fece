import InfermonCore

/// Rows of an instant query joined on their labels: one column per label
/// (the panel's `columns`, else every label but the name) and one value column
/// per query, headed by the query's legend. Sorted by the first value column,
/// largest first, as "top tenants by cost" wants.
enum TableRenderer {
    struct Table: Equatable {
        var headers: [String]
        var rows: [[String]]
        var colors: [[TerminalColor]]
        var labelColumns: Int
    }

    static func build(_ panel: PanelSpec, _ data: PanelData) -> Table {
        var labelNames = panel.columns
        if labelNames.isEmpty {
            var seen = Set<String>()
            for value in data.values {
                for pair in value.labels.pairs where pair.name != Labels.metricName && seen.insert(pair.name).inserted {
                    labelNames.append(pair.name)
                }
            }
        }
        let keep = Set(labelNames)
        var order: [Labels] = []
        var cells: [Labels: [Int: Double]] = [:]
        for value in data.values {
            let key = value.labels.keeping(keep)
            if cells[key] == nil {
                order.append(key)
                cells[key] = [:]
            }
            cells[key]![value.query] = value.value
        }
        order.sort { (cells[$0]?[0] ?? -.infinity) > (cells[$1]?[0] ?? -.infinity) }
        let valueHeaders = panel.queries.enumerated().map { index, query in
            query.legend.isEmpty || query.legend.contains("{{")
                ? (panel.queries.count == 1 ? "value" : "value \(index + 1)") : query.legend
        }
        var table = Table(headers: labelNames + valueHeaders, rows: [], colors: [], labelColumns: labelNames.count)
        for key in order.prefix(panel.limit) {
            var row = labelNames.map { key[$0] ?? "" }
            var colors = Array(repeating: TerminalColor.default, count: labelNames.count)
            for index in panel.queries.indices {
                if let value = cells[key]?[index] {
                    row.append(panel.unit.format(value))
                    colors.append(panel.thresholds.color(for: value))
                } else {
                    row.append("-")
                    colors.append(.gray)
                }
            }
            table.rows.append(row)
            table.colors.append(colors)
        }
        return table
    }

    static func draw(
        _ panel: PanelSpec, _ data: PanelData, in area: Rect, into screen: inout ScreenBuffer, context: RenderContext
    ) {
        let table = build(panel, data)
        guard !table.rows.isEmpty else {
            PanelFrame.drawMessage("no data", in: area, into: &screen, glyphs: context.glyphs)
            return
        }
        let widths = columnWidths(table, available: area.width)
        var x = area.x
        for (column, header) in table.headers.enumerated() where widths[column] > 0 {
            let text = header.truncated(to: widths[column], ellipsis: context.glyphs.ellipsis)
            let aligned = column >= table.labelColumns ? text.leftPadded(to: widths[column]) : text
            screen.write(aligned, x: x, y: area.y, style: CellStyle(bold: true, underline: true), clip: area)
            x += widths[column] + 1
        }
        for (index, row) in table.rows.prefix(max(0, area.height - 1)).enumerated() {
            var x = area.x
            for (column, cell) in row.enumerated() where widths[column] > 0 {
                let text = cell.truncated(to: widths[column], ellipsis: context.glyphs.ellipsis)
                let isValue = column >= table.labelColumns
                screen.write(
                    isValue ? text.leftPadded(to: widths[column]) : text, x: x, y: area.y + 1 + index,
                    style: CellStyle(foreground: table.colors[index][column], bold: isValue), clip: area)
                x += widths[column] + 1
            }
        }
    }

    /// Natural widths, then label columns shrink (widest first) until the row fits.
    static func columnWidths(_ table: Table, available: Int) -> [Int] {
        var widths = table.headers.map(\.cellWidth)
        for row in table.rows {
            for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.cellWidth) }
        }
        func total() -> Int { widths.reduce(0, +) + max(0, widths.count - 1) }
        while total() > available {
            guard
                let widest = widths.indices.filter({ $0 < table.labelColumns && widths[$0] > 4 })
                    .max(by: { widths[$0] < widths[$1] })
            else { break }
            widths[widest] -= 1
        }
        return widths
    }
}
