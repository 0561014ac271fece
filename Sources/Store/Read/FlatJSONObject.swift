import InfermonCore

/// Reads the flat `{"key": number | "text", …}` objects the writer stores in
/// `events.features` (see `featuresJSON`). Nested values, booleans and nulls are
/// skipped; malformed text yields what was read before the fault.
///
/// Not the collectors' `JSONScanner`: that one lives in Collectors (which the
/// store does not depend on) so that the ingest path's hot calls inline within
/// their module, and it rejects a whole line at its first fault; this reads back
/// only what this module's writer wrote, and keeps what it read before a fault.
enum FlatJSONObject {
    static func parse(_ text: String) -> [(key: String, value: FeatureValue)] {
        var result: [(key: String, value: FeatureValue)] = []
        var bytes = Array(text.utf8)
        bytes.append(0)
        var i = 0
        func skipSpace() {
            while bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }
        skipSpace()
        guard bytes[i] == UInt8(ascii: "{") else { return result }
        i += 1
        while true {
            skipSpace()
            guard bytes[i] == UInt8(ascii: "\""), let key = readString(bytes, &i) else { return result }
            skipSpace()
            guard bytes[i] == UInt8(ascii: ":") else { return result }
            i += 1
            skipSpace()
            let first = bytes[i]
            if first == UInt8(ascii: "\"") {
                guard let value = readString(bytes, &i) else { return result }
                result.append((key, .category(value)))
            } else {
                let start = i
                var depth = 0
                while bytes[i] != 0 {
                    let byte = bytes[i]
                    if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") { depth += 1 }
                    if byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") {
                        if depth == 0 { break }
                        depth -= 1
                    }
                    if byte == UInt8(ascii: ","), depth == 0 { break }
                    i += 1
                }
                let token = String(decoding: bytes[start..<i], as: UTF8.self)
                if let number = Double(token.trimming(" ")) { result.append((key, .number(number))) }
            }
            skipSpace()
            if bytes[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            return result
        }
    }

    /// Reads a JSON string starting at its opening quote; leaves `i` after the closing one.
    private static func readString(_ bytes: [UInt8], _ i: inout Int) -> String? {
        i += 1
        var out: [UInt8] = []
        while true {
            let byte = bytes[i]
            if byte == 0 { return nil }
            if byte == UInt8(ascii: "\"") {
                i += 1
                return String(decoding: out, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") {
                i += 1
                let escaped = bytes[i]
                switch escaped {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    guard i + 4 < bytes.count,
                        let code = UInt32(String(decoding: bytes[(i + 1)...(i + 4)], as: UTF8.self), radix: 16)
                    else { return nil }
                    i += 4
                    // Surrogate pairs are rare in feature names; a lone half becomes U+FFFD.
                    let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                case 0: return nil
                default: out.append(escaped)
                }
                i += 1
                continue
            }
            out.append(byte)
            i += 1
        }
    }
}
