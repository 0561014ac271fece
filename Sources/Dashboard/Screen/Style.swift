/// The 16 ANSI colours a terminal over ssh can be trusted to show. Panels
/// name colours by meaning (thresholds say `red`), and the diff writer decides
/// whether they become escape codes at all (`NO_COLOR`).
public enum TerminalColor: UInt8, Sendable, Hashable, CaseIterable {
    case `default` = 0
    case black, red, green, yellow, blue, magenta, cyan, white
    case gray, brightRed, brightGreen, brightYellow, brightBlue, brightMagenta, brightCyan, brightWhite

    /// Names accepted in dashboard files.
    public static func named(_ name: String) -> TerminalColor? {
        switch name.lowercased() {
        case "default": return .default
        case "black": return .black
        case "red": return .red
        case "green": return .green
        case "yellow", "orange": return .yellow
        case "blue": return .blue
        case "magenta", "purple": return .magenta
        case "cyan": return .cyan
        case "white": return .white
        case "gray", "grey": return .gray
        case "bright-red": return .brightRed
        case "bright-green": return .brightGreen
        case "bright-yellow": return .brightYellow
        case "bright-blue": return .brightBlue
        case "bright-magenta": return .brightMagenta
        case "bright-cyan": return .brightCyan
        case "bright-white": return .brightWhite
        default: return nil
        }
    }

    public static let names = [
        "default", "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white", "gray",
    ]

    /// SGR parameter for this colour as foreground (background adds 10).
    var foregroundCode: Int {
        switch rawValue {
        case 0: return 39
        case 1...8: return 29 + Int(rawValue)
        default: return 81 + Int(rawValue)
        }
    }

    /// Colours that mean trouble, shown bold when colour is off so they still stand out.
    var isAlarm: Bool { self == .red || self == .brightRed }
}

/// How one cell looks. Small and `Hashable` so the diff can compare cells cheaply.
public struct CellStyle: Sendable, Hashable {
    public var foreground: TerminalColor
    public var background: TerminalColor
    public var bold: Bool
    public var dim: Bool
    public var reverse: Bool
    public var underline: Bool

    public init(
        foreground: TerminalColor = .default, background: TerminalColor = .default, bold: Bool = false,
        dim: Bool = false, reverse: Bool = false, underline: Bool = false
    ) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.dim = dim
        self.reverse = reverse
        self.underline = underline
    }

    public static let plain = CellStyle()

    public static func color(_ color: TerminalColor, bold: Bool = false) -> CellStyle {
        CellStyle(foreground: color, bold: bold)
    }

    public func with(bold: Bool) -> CellStyle {
        var copy = self
        copy.bold = bold
        return copy
    }

    public func with(reverse: Bool) -> CellStyle {
        var copy = self
        copy.reverse = reverse
        return copy
    }

    /// The same style as it is drawn without colour: colours dropped, alarms bold.
    var monochrome: CellStyle {
        CellStyle(
            bold: bold || foreground.isAlarm || background.isAlarm, dim: dim, reverse: reverse || background.isAlarm,
            underline: underline)
    }
}

/// One character cell of the screen.
public struct Cell: Sendable, Hashable {
    public var scalar: Unicode.Scalar
    public var style: CellStyle

    public init(_ scalar: Unicode.Scalar, _ style: CellStyle = .plain) {
        self.scalar = scalar
        self.style = style
    }

    public static let blank = Cell(" ")
}
