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
        // Firing alerts are the list; pending ones may still clear by themselves
        // and are only counted, on the last row.
        let firing = data.alerts.filter { $0.state != "pending" }
        let pending = data.alerts.filter { $0.state == "pending" }
        let footer =
            pending.isEmpty
            ? nil : " \(pending.count) pending: " + Set(pending.map(\.name)).sorted().joined(separator: ", ")
        guard !firing.isEmpty else {
            if data.error == nil {
                PanelFrame.drawMessage(
                    "no alerts firing",
                    in: Rect(x: area.x, y: area.y, width: area.width, height: max(1, area.height - 1)),
                    into: &screen, glyphs: glyphs, style: CellStyle(foreground: .green))
            }
            if let footer, area.height > 1 { drawFooter(footer, in: area, into: &screen, glyphs: glyphs) }
            return
        }
        let rows = max(0, area.height - (footer == nil ? 0 : 1))
        let bottom = area.y + rows
        var y = area.y
        for (index, alert) in firing.enumerated() {
            let moreFollow = index < firing.count - 1
            if y >= bottom { break }
            if y == bottom - 1, moreFollow {
                // The last row says how many did not fit.
                screen.write(
                    " +\(firing.count - index) more", x: area.x, y: y, style: CellStyle(foreground: .gray), clip: area)
                break
            }
            let (tag, color) = severityTag(alert)
            var x = screen.write(tag, x: area.x, y: y, style: CellStyle(foreground: color, bold: true), clip: area)
            let age = alert.activeAt.map { formatAge(context.now - $0) } ?? "?"
            x = screen.write(" " + age.leftPadded(to: 5), x: x, y: y, style: CellStyle(foreground: .gray), clip: area)
            x = screen.write(" " + alert.name, x: x, y: y, style: CellStyle(bold: true), clip: area)
            // The summary names what is affected (model, route) and how badly: it
            // goes on the next row, indented, rather than be cut, when there is room.
            let summary = " " + alert.summary
            if summary.count > area.maxX - x, y + 1 < bottom - (moreFollow ? 1 : 0) {
                y += 1
                x = area.x + 4
            }
            screen.write(
                summary.truncated(to: max(0, area.maxX - x), ellipsis: glyphs.ellipsis), x: x, y: y, clip: area)
            y += 1
        }
        if let footer { drawFooter(footer, in: area, into: &screen, glyphs: glyphs) }
    }

    private static func drawFooter(_ text: String, in area: Rect, into screen: inout ScreenBuffer, glyphs: Glyphs) {
        let y = area.maxY - 1
        screen.fill(Rect(x: area.x, y: y, width: area.width, height: 1))
        screen.write(
            text.truncated(to: area.width, ellipsis: glyphs.ellipsis), x: area.x, y: y,
            style: CellStyle(foreground: .gray), clip: area)
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
