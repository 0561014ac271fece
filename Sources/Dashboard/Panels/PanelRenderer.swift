/// Draws one panel, frame and all, into its rectangle. The entry point tests
/// and the dashboard view use; each kind has its own renderer.
public enum PanelRenderer {
    public static func draw(
        _ panel: PanelSpec, data: PanelData?, in rect: Rect, selected: Bool, into screen: inout ScreenBuffer,
        context: RenderContext
    ) {
        screen.fill(rect)
        var inner = PanelFrame.draw(
            title: panel.title, in: rect, selected: selected, into: &screen, glyphs: context.glyphs)
        guard inner.width > 0, inner.height > 0 else { return }
        guard let data else {
            PanelFrame.drawMessage("loading…", in: inner, into: &screen, glyphs: context.glyphs)
            return
        }
        if let error = data.error {
            let hasData =
                !data.series.isEmpty || !data.values.isEmpty || !data.alerts.isEmpty
                || !data.notifications.isEmpty
            if !hasData {
                // Nothing else to show: the whole message, wrapped over the panel.
                drawWrapped(error, in: inner, into: &screen)
                return
            }
            inner = PanelFrame.drawError(error, in: inner, into: &screen, glyphs: context.glyphs)
            guard inner.height > 0 else { return }
        }
        switch panel.kind {
        case .graph: GraphRenderer.draw(panel, data, in: inner, into: &screen, context: context)
        case .stat: StatRenderer.draw(panel, data, in: inner, into: &screen, context: context)
        case .gauge: BarRenderers.drawGauge(panel, data, in: inner, into: &screen, context: context)
        case .bar: BarRenderers.drawBarChart(panel, data, in: inner, into: &screen, context: context)
        case .table: TableRenderer.draw(panel, data, in: inner, into: &screen, context: context)
        case .alerts: FeedRenderers.drawAlerts(panel, data, in: inner, into: &screen, context: context)
        case .notifications: FeedRenderers.drawNotifications(panel, data, in: inner, into: &screen, context: context)
        }
    }

    /// An error over as many lines as the panel has, broken at spaces where possible.
    static func drawWrapped(_ message: String, in area: Rect, into screen: inout ScreenBuffer) {
        let style = CellStyle(foreground: .red, bold: true)
        var words = ("! " + message).split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        for row in 0..<area.height {
            var line = ""
            while let word = words.first {
                let candidate = line.isEmpty ? word : line + " " + word
                if candidate.cellWidth <= area.width {
                    line = candidate
                    words.removeFirst()
                    continue
                }
                if word.cellWidth > area.width {
                    // A word longer than a line (a URL): fill this line with its start.
                    let room = area.width - (line.isEmpty ? 0 : line.cellWidth + 1)
                    if room > 0 {
                        let scalars = Array(word.unicodeScalars)
                        line = (line.isEmpty ? "" : line + " ") + String(String.UnicodeScalarView(scalars.prefix(room)))
                        words[0] = String(String.UnicodeScalarView(scalars.dropFirst(room)))
                    }
                }
                break
            }
            screen.write(line, x: area.x, y: area.y + row, style: style, clip: area)
            if words.isEmpty { return }
        }
    }
}
