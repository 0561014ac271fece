/// Whether styles become colour escape codes. `NO_COLOR` (no-color.org) turns
/// colour off; bold, reverse and underline stay, so alarms still stand out.
public enum ColorMode: Sendable, Hashable {
    case ansi16
    case none

    /// From the environment: any non-empty `NO_COLOR` disables colour.
    public static func from(environment: [String: String]) -> ColorMode {
        if let value = environment["NO_COLOR"], !value.isEmpty { return .none }
        return .ansi16
    }
}

/// Turns the change from one frame to the next into the bytes that make a
/// terminal show it: only cells that differ are written, with cursor jumps
/// between runs, and styles set only where they change. With no previous
/// frame every cell is written (first frame, after a resize).
public struct ScreenDiff {
    public let colorMode: ColorMode
    /// Unchanged cells between two changed ones are rewritten rather than jumped
    /// over when the gap is this short: a jump costs about as many bytes.
    let maximumGap = 4

    public init(colorMode: ColorMode) { self.colorMode = colorMode }

    /// The bytes that turn `previous` into `next` on the terminal. Returns an
    /// empty array when nothing changed.
    public func bytes(from previous: ScreenBuffer?, to next: ScreenBuffer) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(previous == nil ? next.width * next.height * 2 : 1024)
        let comparable = previous.map { $0.width == next.width && $0.height == next.height } ?? false
        // Every write ends with the style reset, so the terminal starts each frame plain.
        var current = CellStyle.plain
        var cursor: (x: Int, y: Int)? = nil
        let width = next.width
        next.cells.withUnsafeBufferPointer { cells in
            let old: [Cell] = comparable ? previous!.cells : []
            old.withUnsafeBufferPointer { old in
                for row in 0..<next.height {
                    let base = row * width
                    var column = 0
                    while column < width {
                        if comparable && old[base + column] == cells[base + column] {
                            column += 1
                            continue
                        }
                        // A run of changes, extended over short unchanged gaps.
                        var end = column + 1
                        var lastChanged = column
                        while end < width && end - lastChanged <= maximumGap {
                            if !comparable || old[base + end] != cells[base + end] { lastChanged = end }
                            end += 1
                        }
                        if cursor == nil || cursor!.y != row || cursor!.x != column {
                            Self.moveCursor(x: column, y: row, to: &out)
                        }
                        for index in column...lastChanged {
                            let cell = cells[base + index]
                            let style = colorMode == .none ? cell.style.monochrome : cell.style
                            if current != style {
                                Self.setStyle(style, to: &out)
                                current = style
                            }
                            Self.appendUTF8(cell.scalar, to: &out)
                        }
                        column = lastChanged + 1
                        cursor = (column, row)
                    }
                }
            }
        }
        if current != .plain { Self.setStyle(.plain, to: &out) }
        return out
    }

    /// `CSI row ; column H`, 1-based.
    static func moveCursor(x: Int, y: Int, to out: inout [UInt8]) {
        out.append(contentsOf: [0x1B, 0x5B])
        appendDecimal(y + 1, to: &out)
        out.append(UInt8(ascii: ";"))
        appendDecimal(x + 1, to: &out)
        out.append(UInt8(ascii: "H"))
    }

    /// `CSI 0 ; … m`: resets, then sets what the style needs, in one sequence.
    static func setStyle(_ style: CellStyle, to out: inout [UInt8]) {
        out.append(contentsOf: [0x1B, 0x5B, UInt8(ascii: "0")])
        if style.bold { out.append(contentsOf: Array(";1".utf8)) }
        if style.dim { out.append(contentsOf: Array(";2".utf8)) }
        if style.underline { out.append(contentsOf: Array(";4".utf8)) }
        if style.reverse { out.append(contentsOf: Array(";7".utf8)) }
        if style.foreground != .default {
            out.append(UInt8(ascii: ";"))
            appendDecimal(style.foreground.foregroundCode, to: &out)
        }
        if style.background != .default {
            out.append(UInt8(ascii: ";"))
            appendDecimal(style.background.foregroundCode + 10, to: &out)
        }
        out.append(UInt8(ascii: "m"))
    }

    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        if value >= 10 { appendDecimal(value / 10, to: &out) }
        out.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    static func appendUTF8(_ scalar: Unicode.Scalar, to out: inout [UInt8]) {
        let value = scalar.value
        switch value {
        case 0..<0x80:
            out.append(UInt8(value))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (value >> 6)))
            out.append(UInt8(0x80 | (value & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (value >> 12)))
            out.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (value & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (value >> 18)))
            out.append(UInt8(0x80 | ((value >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (value & 0x3F)))
        }
    }

    /// The frame as lines of text with SGR colour codes, for `--once --color`.
    public func styledText(_ screen: ScreenBuffer) -> String {
        var out: [UInt8] = []
        for row in 0..<screen.height {
            var current = CellStyle.plain
            var line: [UInt8] = []
            var lastNonBlank = -1
            for column in 0..<screen.width {
                let cell = screen[column, row]
                let style = colorMode == .none ? cell.style.monochrome : cell.style
                if style != current {
                    Self.setStyle(style, to: &line)
                    current = style
                }
                Self.appendUTF8(cell.scalar, to: &line)
                if cell.scalar != " " || style != .plain { lastNonBlank = line.count }
            }
            out.append(contentsOf: lastNonBlank >= 0 ? Array(line[..<lastNonBlank]) : [])
            if lastNonBlank >= 0 && line.contains(0x1B) { Self.setStyle(.plain, to: &out) }
            out.append(0x0A)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
