import InfermonCore

/// The active-alerts list (severity, age, name and summary, most severe and
/// oldest first) and the recent-notifications list (age, receiver, what was
/// sent). A source without the feed shows "not available" in the panel.
enum FeedRenderers {
    static func drawAlerts(
        _ panel: PanelSpec, _ data: PanelData, in area: Rect, into screen: inout ScreenBuffer, context: RenderContext
    ) {
        let glyphs = context.glyphs
        if let reason = data.notAvailable {
            PanelFrame.drawMessage(reason, in: area, into: &screen, glyphs: glyphs)
            return
        }
        guard !data.alerts.isEmpty else {
            if data.error == nil {
                PanelFrame.drawMessage(
                    "no alerts firing", in: area, into: &screen, glyphs: glyphs,
                    style: CellStyle(foreground: .green))
            }
            return
        }
        let shown = data.alerts.prefix(area.height)
        for (row, alert) in shown.enumerated() {
            let y = area.y + row
            let (tag, color) = severityTag(alert)
            var x = screen.write(tag, x: area.x, y: y, style: CellStyle(foreground: color, bold: true), clip: area)
            let age = alert.activeAt.map { formatAge(context.now - $0) } ?? "?"
            x = screen.write(" " + age.leftPadded(to: 5), x: x, y: y, style: CellStyle(foreground: .gray), clip: area)
            x = screen.write(" " + alert.name, x: x, y: y, style: CellStyle(bold: true), clip: area)
            let summary = " " + alert.summary
            screen.write(
                summary.truncated(to: max(0, area.maxX - x), ellipsis: glyphs.ellipsis), x: x, y: y, clip: area)
        }
        if data.alerts.count > area.height, area.height > 0 {
            let more = " +\(data.alerts.count - area.height + 1) more"
            let y = area.maxY - 1
            screen.fill(Rect(x: area.x, y: y, width: area.width, height: 1))
            screen.write(more, x: area.x, y: y, style: CellStyle(foreground: .gray), clip: area)
        }
    }

    /// `CRIT` / `WARN` / `INFO` (pending alerts: `pend`), four cells wide.
    static func severityTag(_ alert: ActiveAlert) -> (String, TerminalColor) {
        if alert.state == "pending" { return ("pend", .gray) }
        switch ActiveAlert.severityRank(alert.severity) {
        case 0: return ("CRIT", .red)
        case 1: return ("WARN", .yellow)
        case 2: return ("INFO", .blue)
        default: return ((alert.severity.isEmpty ? "FIRE" : String(alert.severity.prefix(4))).uppercased(), .magenta)
        }
    }

    static func drawNotifications(
        _ panel: PanelSpec, _ data: PanelData, in area: Rect, into screen: inout ScreenBuffer, context: RenderContext
    ) {
        let glyphs = context.glyphs
        if let reason = data.notAvailable {
            PanelFrame.drawMessage(reason, in: area, into: &screen, glyphs: glyphs)
            return
        }
        guard !data.notifications.isEmpty else {
            if data.error == nil {
                PanelFrame.drawMessage("no notifications sent", in: area, into: &screen, glyphs: glyphs)
            }
            return
        }
        for (row, record) in data.notifications.prefix(area.height).enumerated() {
            let y = area.y + row
            var x = screen.write(
                formatAge(context.now - record.sentAt).leftPadded(to: 5), x: area.x, y: y,
                style: CellStyle(foreground: .gray), clip: area)
            let state = record.firing > 0 ? "\(record.firing) firing" : "\(record.resolved) resolved"
            x = screen.write(
                " " + state, x: x, y: y, style: CellStyle(foreground: record.firing > 0 ? .red : .green), clip: area)
            x = screen.write(" " + record.receiver, x: x, y: y, style: CellStyle(bold: true), clip: area)
            let names = " " + record.alertNames.joined(separator: ",")
            screen.write(names.truncated(to: max(0, area.maxX - x), ellipsis: glyphs.ellipsis), x: x, y: y, clip: area)
        }
    }
}
