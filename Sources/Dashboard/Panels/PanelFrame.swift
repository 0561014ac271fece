public import InfermonCore

/// What every renderer needs besides its own data.
public struct RenderContext: Sendable {
    public var glyphs: Glyphs
    /// For ages of alerts and notifications.
    public var now: Timestamp

    public init(glyphs: Glyphs, now: Timestamp) {
        self.glyphs = glyphs
        self.now = now
    }
}

/// The border and title around a panel. The selected panel gets a heavy,
/// bold border so it is visible without colour.
enum PanelFrame {
    /// Draws the frame and returns the inside.
    static func draw(
        title: String, in rect: Rect, selected: Bool, into screen: inout ScreenBuffer, glyphs: Glyphs
    ) -> Rect {
        guard rect.width >= 2, rect.height >= 2 else { return Rect(x: rect.x, y: rect.y, width: 0, height: 0) }
        let style = selected ? CellStyle(foreground: .cyan, bold: true) : CellStyle(foreground: .gray)
        let horizontal = selected ? glyphs.heavyHorizontal : glyphs.horizontal
        let vertical = selected ? glyphs.heavyVertical : glyphs.vertical
        for x in rect.x + 1..<rect.maxX - 1 {
            screen.put(horizontal, x: x, y: rect.y, style: style)
            screen.put(horizontal, x: x, y: rect.maxY - 1, style: style)
        }
        for y in rect.y + 1..<rect.maxY - 1 {
            screen.put(vertical, x: rect.x, y: y, style: style)
            screen.put(vertical, x: rect.maxX - 1, y: y, style: style)
        }
        screen.put(selected ? glyphs.heavyTopLeft : glyphs.topLeft, x: rect.x, y: rect.y, style: style)
        screen.put(selected ? glyphs.heavyTopRight : glyphs.topRight, x: rect.maxX - 1, y: rect.y, style: style)
        screen.put(selected ? glyphs.heavyBottomLeft : glyphs.bottomLeft, x: rect.x, y: rect.maxY - 1, style: style)
        screen.put(
            selected ? glyphs.heavyBottomRight : glyphs.bottomRight, x: rect.maxX - 1, y: rect.maxY - 1, style: style)
        let room = rect.width - 4
        if room > 0 {
            let text = " " + title.truncated(to: room - 1, ellipsis: glyphs.ellipsis) + " "
            screen.write(text, x: rect.x + 1, y: rect.y, style: CellStyle(bold: true, reverse: selected))
        }
        return rect.inset(1)
    }

    /// One line at the bottom of the inside for a query error, in red, keeping the data above it.
    static func drawError(_ message: String, in inner: Rect, into screen: inout ScreenBuffer, glyphs: Glyphs) -> Rect {
        guard inner.height >= 1, inner.width >= 1 else { return inner }
        let line = inner.maxY - 1
        screen.fill(Rect(x: inner.x, y: line, width: inner.width, height: 1))
        screen.write(
            ("! " + message).truncated(to: inner.width, ellipsis: glyphs.ellipsis), x: inner.x, y: line,
            style: CellStyle(foreground: .red, bold: true))
        return Rect(x: inner.x, y: inner.y, width: inner.width, height: inner.height - 1)
    }

    /// A dim message centred in the panel (`no data`, `not available`).
    static func drawMessage(
        _ message: String, in inner: Rect, into screen: inout ScreenBuffer, glyphs: Glyphs,
        style: CellStyle = CellStyle(foreground: .gray)
    ) {
        guard inner.height >= 1, inner.width >= 1 else { return }
        let text = message.truncated(to: inner.width, ellipsis: glyphs.ellipsis)
        let x = inner.x + max(0, (inner.width - text.cellWidth) / 2)
        screen.write(text, x: x, y: inner.y + (inner.height - 1) / 2, style: style, clip: inner)
    }
}

/// Series colours in order. Red is left out: it means "bad" on this screen.
enum Palette {
    static let series: [TerminalColor] = [
        .cyan, .yellow, .green, .magenta, .blue, .brightCyan, .brightYellow, .brightGreen, .brightMagenta,
        .brightBlue, .white,
    ]

    static func color(_ index: Int) -> TerminalColor { series[index % series.count] }
}

/// `45s`, `12m`, `2h13m`, `3d4h`: how long ago, in the fewest characters.
func formatAge(_ millis: Int64) -> String {
    let seconds = max(0, millis / 1000)
    if seconds < 60 { return "\(seconds)s" }
    if seconds < 3600 { return "\(seconds / 60)m" }
    if seconds < 86400 {
        let minutes = seconds / 60 % 60
        return minutes == 0 ? "\(seconds / 3600)h" : "\(seconds / 3600)h\(minutes)m"
    }
    let hours = seconds / 3600 % 24
    return hours == 0 ? "\(seconds / 86400)d" : "\(seconds / 86400)d\(hours)h"
}
