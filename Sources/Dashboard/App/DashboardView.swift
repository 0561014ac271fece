import InfermonCore

/// Draws the whole screen from a `DashboardState`: a header with the
/// dashboards as tabs, the panel grid (or one zoomed panel), a status line,
/// and the help box over everything when asked for.
public enum DashboardView {
    /// Renders into `screen` (cleared first) and returns the layout used, for arrow keys.
    @discardableResult
    public static func render(_ state: DashboardState, into screen: inout ScreenBuffer, context: RenderContext)
        -> GridLayout
    {
        screen.clear()
        let glyphs = context.glyphs
        drawHeader(state, into: &screen, glyphs: glyphs)
        let area = Rect(x: 0, y: 1, width: screen.width, height: max(0, screen.height - 2))
        let spec = state.dashboard
        let layout = GridLayout(spec, in: area)
        let panels = spec.panels
        if state.zoomed, panels.indices.contains(state.selected) {
            PanelRenderer.draw(
                panels[state.selected], data: state.panelData?[state.selected], in: area, selected: true,
                into: &screen, context: context)
        } else {
            for (index, panel) in panels.enumerated() {
                PanelRenderer.draw(
                    panel, data: state.panelData?[index], in: layout.frames[index], selected: index == state.selected,
                    into: &screen, context: context)
            }
        }
        if screen.height >= 2 { drawStatus(state, into: &screen, glyphs: glyphs, now: context.now) }
        if state.showsHelp { HelpOverlay.draw(into: &screen, glyphs: glyphs) }
        return layout
    }

    /// ` infermon  overview  cost  quality          range 6h ` with the current dashboard reversed.
    static func drawHeader(_ state: DashboardState, into screen: inout ScreenBuffer, glyphs: Glyphs) {
        guard screen.height > 0 else { return }
        let bar = CellStyle(foreground: .white, background: .blue)
        screen.fill(Rect(x: 0, y: 0, width: screen.width, height: 1), style: bar)
        var x = screen.write(
            " infermon ", x: 0, y: 0, style: CellStyle(foreground: .white, background: .blue, bold: true))
        for (index, dashboard) in state.dashboards.enumerated() {
            let isCurrent = index == state.current
            let style =
                isCurrent
                ? CellStyle(foreground: .black, background: .white, bold: true, reverse: false)
                : bar
            x = screen.write(" \(isCurrent ? dashboard.title : dashboard.name) ", x: x, y: 0, style: style)
        }
        var right = "range \(formatAge(state.range)) "
        let visible = state.overrides.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        if !visible.isEmpty { right = visible.joined(separator: " ") + "  " + right }
        if x + right.cellWidth + 1 <= screen.width {
            screen.write(right, x: screen.width - right.cellWidth, y: 0, style: bar)
        }
    }

    /// `db …/infermon.db │ range 6h │ refreshed 12s ago │ 1 panel error │ ? help`
    static func drawStatus(_ state: DashboardState, into screen: inout ScreenBuffer, glyphs: Glyphs, now: Timestamp) {
        let y = screen.height - 1
        let bar = CellStyle(reverse: true)
        screen.fill(Rect(x: 0, y: y, width: screen.width, height: 1), style: bar)
        var parts: [(String, CellStyle)] = [(state.sourceLabel, bar)]
        parts.append(("range \(formatAge(state.range))", bar))
        if state.refreshing && state.lastRefresh == nil {
            parts.append(("loading", bar))
        } else if let last = state.lastRefresh {
            parts.append(("refreshed \(formatAge(now - last)) ago", bar))
        }
        if state.paused { parts.append(("PAUSED", CellStyle(foreground: .yellow, bold: true, reverse: true))) }
        let errors = state.errorCount
        if errors > 0 {
            parts.append(
                (
                    "\(errors) panel error\(errors == 1 ? "" : "s")",
                    CellStyle(foreground: .red, bold: true, reverse: true)
                ))
        }
        if let reloadError = state.reloadError {
            parts.append(
                ("dashboards not reloaded: \(reloadError)", CellStyle(foreground: .red, bold: true, reverse: true)))
        }
        let help = "? help "
        var x = 1
        for (index, part) in parts.enumerated() {
            if index > 0 { x = screen.write(" \(glyphs.vertical) ", x: x, y: y, style: bar) }
            let room = screen.width - help.cellWidth - x - 1
            guard room > 3 else { break }
            x = screen.write(part.0.truncated(to: room, ellipsis: glyphs.ellipsis), x: x, y: y, style: part.1)
        }
        if screen.width - help.cellWidth > x { screen.write(help, x: screen.width - help.cellWidth, y: y, style: bar) }
    }
}

/// The key list, boxed in the middle of the screen.
enum HelpOverlay {
    static let lines: [(String, String)] = [
        ("q, Esc", "quit (Esc leaves zoom first)"),
        ("Tab, Shift-Tab", "next / previous dashboard"),
        ("+ / -", "widen / narrow the time range"),
        ("r", "refresh now, re-reading the dashboard files"),
        ("p", "pause / resume refreshing"),
        ("arrows", "select a panel"),
        ("Enter", "zoom the selected panel"),
        ("?", "this help (any key closes it)"),
    ]

    static func draw(into screen: inout ScreenBuffer, glyphs: Glyphs) {
        let keyWidth = lines.map(\.0.cellWidth).max()!
        let width = min(screen.width, keyWidth + (lines.map(\.1.cellWidth).max()!) + 7)
        let height = min(screen.height, lines.count + 4)
        let box = Rect(
            x: (screen.width - width) / 2, y: (screen.height - height) / 2, width: width, height: height)
        screen.fill(box)
        let inner = PanelFrame.draw(title: "Keys", in: box, selected: true, into: &screen, glyphs: glyphs)
        for (row, line) in lines.enumerated() where row + 1 < inner.height {
            let y = inner.y + 1 + row
            let x = screen.write(
                " " + line.0, x: inner.x, y: y, style: CellStyle(foreground: .cyan, bold: true), clip: inner)
            screen.write(
                String(repeating: " ", count: max(1, keyWidth + 3 - (x - inner.x))) + line.1, x: x, y: y, clip: inner)
        }
    }
}
