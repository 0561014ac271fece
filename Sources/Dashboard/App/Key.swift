/// A key press, decoded from what a terminal in raw mode sends.
public enum Key: Sendable, Hashable {
    case character(Unicode.Scalar)
    case escape, tab, backTab, enter, up, down, left, right, interrupt

    /// Decodes one read's worth of bytes. A lone ESC is the Escape key; ESC
    /// followed by `[` or `O` starts a sequence (arrows, Shift-Tab); unknown
    /// sequences are skipped whole, so they never turn into stray keys.
    public static func decode(_ bytes: [UInt8]) -> [Key] {
        var keys: [Key] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case 0x1B:
                guard index < bytes.count, bytes[index] == UInt8(ascii: "[") || bytes[index] == UInt8(ascii: "O")
                else {
                    keys.append(.escape)
                    continue
                }
                index += 1
                // Parameters, then one final byte in 0x40...0x7E.
                var final: UInt8 = 0
                while index < bytes.count {
                    let next = bytes[index]
                    index += 1
                    if next >= 0x40 && next <= 0x7E {
                        final = next
                        break
                    }
                }
                switch final {
                case UInt8(ascii: "A"): keys.append(.up)
                case UInt8(ascii: "B"): keys.append(.down)
                case UInt8(ascii: "C"): keys.append(.right)
                case UInt8(ascii: "D"): keys.append(.left)
                case UInt8(ascii: "Z"): keys.append(.backTab)
                default: break
                }
            case 0x09: keys.append(.tab)
            case 0x0D, 0x0A: keys.append(.enter)
            case 0x03: keys.append(.interrupt)
            case 0x20...0x7E: keys.append(.character(Unicode.Scalar(byte)))
            default: break
            }
        }
        return keys
    }
}

/// What the event loop must do after a key.
public enum Command: Sendable, Hashable {
    case none
    /// Only the screen changed (selection, help, zoom).
    case redraw
    /// The data must be fetched again (dashboard, range or explicit refresh).
    case refresh
    case quit
}
