/// Query-string escaping, one implementation for the template function
/// `queryEscape` (Go's `url.QueryEscape`: a space is `+`) and the web UI's
/// links (a space is `%20`, which every parser reads the same way).
public enum PercentEncoding {
    /// Unreserved characters (RFC 3986) stay; every other byte becomes `%XX`.
    public static func queryComponent(_ text: String, spaceAsPlus: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " ") where spaceAsPlus:
                out += "+"
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
