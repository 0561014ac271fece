/// A rectangle of cells, in screen coordinates (column `x`, row `y`, from 0).
public struct Rect: Sendable, Hashable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width <= 0 || height <= 0 }

    /// The rectangle shrunk by `by` cells on every side (a border's inside).
    public func inset(_ by: Int) -> Rect { Rect(x: x + by, y: y + by, width: width - 2 * by, height: height - 2 * by) }

    public func contains(x column: Int, y row: Int) -> Bool {
        column >= x && column < maxX && row >= y && row < maxY
    }
}

/// The in-memory screen every panel draws into. Terminal I/O never touches it
/// directly: `ScreenDiff` turns two buffers into escape sequences, and tests
/// read cells back, so every renderer is testable without a terminal.
///
/// Every cell is one column wide: wide characters (CJK, emoji) are drawn as `?`
/// so the diff's cursor arithmetic can never drift from the terminal's.
public struct ScreenBuffer: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set {
            guard x >= 0, x < width, y >= 0, y < height else { return }
            cells[y * width + x] = newValue
        }
    }

    /// Sets one cell, clipped to `clip` and to the screen.
    public mutating func put(_ scalar: Unicode.Scalar, x: Int, y: Int, style: CellStyle = .plain, clip: Rect? = nil) {
        guard x >= 0, x < width, y >= 0, y < height else { return }
        if let clip, !clip.contains(x: x, y: y) { return }
        cells[y * width + x] = Cell(Self.displayable(scalar), style)
    }

    /// Writes text from (x, y) to the right, clipped; returns the column after the last cell written.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, style: CellStyle = .plain, clip: Rect? = nil) -> Int {
        let area = clip ?? bounds
        var column = x
        for scalar in text.unicodeScalars {
            if column >= area.maxX { break }
            if scalar.properties.generalCategory == .nonspacingMark { continue }
            put(scalar, x: column, y: y, style: style, clip: area)
            column += 1
        }
        return column
    }

    /// Fills a rectangle with one character.
    public mutating func fill(_ rect: Rect, with scalar: Unicode.Scalar = " ", style: CellStyle = .plain) {
        let cell = Cell(scalar, style)
        for row in max(0, rect.y)..<min(height, rect.maxY) {
            for column in max(0, rect.x)..<min(width, rect.maxX) { cells[row * width + column] = cell }
        }
    }

    public mutating func clear() { cells = Array(repeating: .blank, count: width * height) }

    /// Row `y` as plain text, trailing spaces kept (tests compare exact columns).
    public func line(_ y: Int) -> String {
        var text = String.UnicodeScalarView()
        for x in 0..<width { text.append(self[x, y].scalar) }
        return String(text)
    }

    /// The whole screen as text, one line per row, trailing spaces trimmed.
    public var text: String {
        (0..<height).map { line($0).trimmingTrailingSpaces }.joined(separator: "\n")
    }

    /// Wide and control characters would move the terminal's cursor differently
    /// from ours; they are replaced.
    static func displayable(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        let value = scalar.value
        if value < 0x20 || (value >= 0x7f && value < 0xa0) { return "?" }
        if value < 0x1100 { return scalar }
        if isWide(value) { return "?" }
        return scalar
    }

    private static func isWide(_ value: UInt32) -> Bool {
        switch value {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
            0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1FAFF,
            0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var scalars = unicodeScalars[...]
        while let last = scalars.last, last == " " { scalars = scalars.dropLast() }
        return String(String.UnicodeScalarView(scalars))
    }

    /// Cut to `width` cells, ending with `…` (or `~` in ASCII) when shortened.
    func truncated(to width: Int, ellipsis: Unicode.Scalar = "…") -> String {
        guard width > 0 else { return "" }
        let scalars = unicodeScalars
        guard scalars.count > width else { return self }
        var view = String.UnicodeScalarView(scalars.prefix(width - 1))
        view.append(ellipsis)
        return String(view)
    }

    /// Left-pads with spaces to `width` cells.
    func leftPadded(to width: Int) -> String {
        let count = unicodeScalars.count
        return count >= width ? self : String(repeating: " ", count: width - count) + self
    }

    var cellWidth: Int { unicodeScalars.count }
}
