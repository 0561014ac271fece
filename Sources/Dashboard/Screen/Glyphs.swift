/// The characters panels draw with. A UTF-8 terminal gets box drawing, braille
/// and eighth blocks; anything else (a `C` or `POSIX` locale, an old serial
/// console) gets plain ASCII, so nothing turns into mojibake.
public struct Glyphs: Sendable, Hashable {
    public let unicode: Bool

    public init(unicode: Bool) { self.unicode = unicode }

    public static let utf8 = Glyphs(unicode: true)
    public static let ascii = Glyphs(unicode: false)

    /// UTF-8 when the locale says so (`LC_ALL`, then `LC_CTYPE`, then `LANG`, as setlocale reads them).
    public static func from(environment: [String: String]) -> Glyphs {
        let locale =
            [environment["LC_ALL"], environment["LC_CTYPE"], environment["LANG"]]
            .compactMap { $0 }.first { !$0.isEmpty } ?? ""
        let lowered = locale.lowercased()
        return Glyphs(unicode: lowered.contains("utf-8") || lowered.contains("utf8"))
    }

    var horizontal: Unicode.Scalar { unicode ? "─" : "-" }
    var vertical: Unicode.Scalar { unicode ? "│" : "|" }
    var topLeft: Unicode.Scalar { unicode ? "┌" : "+" }
    var topRight: Unicode.Scalar { unicode ? "┐" : "+" }
    var bottomLeft: Unicode.Scalar { unicode ? "└" : "+" }
    var bottomRight: Unicode.Scalar { unicode ? "┘" : "+" }
    var heavyHorizontal: Unicode.Scalar { unicode ? "━" : "=" }
    var heavyVertical: Unicode.Scalar { unicode ? "┃" : "#" }
    var heavyTopLeft: Unicode.Scalar { unicode ? "┏" : "#" }
    var heavyTopRight: Unicode.Scalar { unicode ? "┓" : "#" }
    var heavyBottomLeft: Unicode.Scalar { unicode ? "┗" : "#" }
    var heavyBottomRight: Unicode.Scalar { unicode ? "┛" : "#" }
    var ellipsis: Unicode.Scalar { unicode ? "…" : "~" }
    var fullBlock: Unicode.Scalar { unicode ? "█" : "#" }
    var lightShade: Unicode.Scalar { unicode ? "░" : "." }
    var legendMark: Unicode.Scalar { unicode ? "■" : "*" }
    var bullet: Unicode.Scalar { unicode ? "●" : "*" }
    var axisTick: Unicode.Scalar { unicode ? "┤" : "+" }
    var upArrow: Unicode.Scalar { unicode ? "▲" : "^" }
    var downArrow: Unicode.Scalar { unicode ? "▼" : "v" }

    /// A bar's partial last cell in eighths (1…7); ASCII has no partial cells.
    func partialBlock(eighths: Int) -> Unicode.Scalar? {
        guard unicode, eighths > 0, eighths < 8 else { return nil }
        return Unicode.Scalar(0x2590 - UInt32(eighths))!  // ▏ (1/8) … ▉ (7/8)
    }

    /// A sparkline level 0…7 as a lower block (▁…█), or ASCII steps.
    func sparkLevel(_ level: Int) -> Unicode.Scalar {
        let clamped = max(0, min(7, level))
        if unicode { return Unicode.Scalar(0x2581 + UInt32(clamped))! }
        return Array("_.-~=*#@".unicodeScalars)[clamped]
    }
}
