/// A plotting surface finer than a cell: braille gives 2×4 dots per cell; in
/// ASCII each cell holds two dots stacked (`'` top, `.` bottom, `:` both).
/// Lines are drawn between dots; a cell takes the colour of the last series
/// drawn through it, as btop and similar tools do.
struct DotCanvas {
    let columns: Int
    let rows: Int
    let glyphs: Glyphs
    let dotsPerColumn: Int
    let dotsPerRow: Int
    private var bits: [UInt8]
    private var colors: [TerminalColor]

    init(columns: Int, rows: Int, glyphs: Glyphs) {
        self.columns = max(0, columns)
        self.rows = max(0, rows)
        self.glyphs = glyphs
        dotsPerColumn = glyphs.unicode ? 2 : 1
        dotsPerRow = glyphs.unicode ? 4 : 2
        bits = Array(repeating: 0, count: self.columns * self.rows)
        colors = Array(repeating: .default, count: self.columns * self.rows)
    }

    var width: Int { columns * dotsPerColumn }
    var height: Int { rows * dotsPerRow }

    /// Sets the dot at (x, y), y = 0 at the top.
    mutating func set(x: Int, y: Int, color: TerminalColor) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let cell = (y / dotsPerRow) * columns + x / dotsPerColumn
        bits[cell] |= Self.bit(dx: x % dotsPerColumn, dy: y % dotsPerRow, unicode: glyphs.unicode)
        colors[cell] = color
    }

    /// A straight line between two dots (Bresenham).
    mutating func line(from start: (x: Int, y: Int), to end: (x: Int, y: Int), color: TerminalColor) {
        var x = start.x
        var y = start.y
        let dx = abs(end.x - x)
        let dy = -abs(end.y - y)
        let stepX = x < end.x ? 1 : -1
        let stepY = y < end.y ? 1 : -1
        var error = dx + dy
        while true {
            set(x: x, y: y, color: color)
            if x == end.x && y == end.y { break }
            let doubled = 2 * error
            if doubled >= dy {
                error += dy
                x += stepX
            }
            if doubled <= dx {
                error += dx
                y += stepY
            }
        }
    }

    /// Copies the drawn cells into the screen at `origin`; empty cells are left alone.
    func draw(into screen: inout ScreenBuffer, at origin: (x: Int, y: Int)) {
        for row in 0..<rows {
            for column in 0..<columns {
                let value = bits[row * columns + column]
                guard value != 0 else { continue }
                screen.put(
                    scalar(for: value), x: origin.x + column, y: origin.y + row,
                    style: .color(colors[row * columns + column]))
            }
        }
    }

    private func scalar(for value: UInt8) -> Unicode.Scalar {
        if glyphs.unicode { return Unicode.Scalar(0x2800 + UInt32(value))! }
        switch value {
        case 1: return "'"
        case 2: return "."
        default: return ":"
        }
    }

    /// Braille dot numbering: dots 1-3 and 7 in the left column, 4-6 and 8 in the right.
    private static func bit(dx: Int, dy: Int, unicode: Bool) -> UInt8 {
        guard unicode else { return dy == 0 ? 1 : 2 }
        switch (dx, dy) {
        case (0, 0): return 0x01
        case (0, 1): return 0x02
        case (0, 2): return 0x04
        case (0, 3): return 0x40
        case (1, 0): return 0x08
        case (1, 1): return 0x10
        case (1, 2): return 0x20
        default: return 0x80
        }
    }
}
