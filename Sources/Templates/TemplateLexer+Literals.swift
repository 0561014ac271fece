/// Quoted strings, raw strings and character constants, with Go's escapes.
extension TemplateLexer {
    /// A quoted string with Go escapes, or a raw string in backquotes.
    mutating func lexString() throws(TemplateError) -> String {
        let quote = bytes[position]
        let start = position
        position += 1
        var out: [UInt8] = []
        while true {
            guard position < bytes.count else { throw fail("unterminated quoted string", at: start) }
            let byte = bytes[position]
            position += 1
            if byte == quote { break }
            if quote == UInt8(ascii: "\"") {
                if byte == 0x0A { throw fail("unterminated quoted string", at: start) }
                if byte == UInt8(ascii: "\\") {
                    guard position < bytes.count else { throw fail("unterminated quoted string", at: start) }
                    out += try unescape()
                    continue
                }
            }
            out.append(byte)
        }
        return String(decoding: out, as: UTF8.self)
    }

    mutating func lexCharacter() throws(TemplateError) -> String {
        let start = position
        position += 1
        var out: [UInt8] = []
        while true {
            guard position < bytes.count, bytes[position] != 0x0A else {
                throw fail("unterminated character constant", at: start)
            }
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "'") { break }
            if byte == UInt8(ascii: "\\") {
                // As in Go, a backslash at the end or before a newline leaves the constant open.
                guard position < bytes.count, bytes[position] != 0x0A else {
                    throw fail("unterminated character constant", at: start)
                }
                out += try unescape()
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes the escape after a backslash (Go's strconv.Unquote rules).
    private mutating func unescape() throws(TemplateError) -> [UInt8] {
        let byte = bytes[position]
        position += 1
        switch byte {
        case UInt8(ascii: "n"): return [0x0A]
        case UInt8(ascii: "t"): return [0x09]
        case UInt8(ascii: "r"): return [0x0D]
        case UInt8(ascii: "a"): return [0x07]
        case UInt8(ascii: "b"): return [0x08]
        case UInt8(ascii: "f"): return [0x0C]
        case UInt8(ascii: "v"): return [0x0B]
        case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"): return [byte]
        case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = byte == UInt8(ascii: "x") ? 2 : (byte == UInt8(ascii: "u") ? 4 : 8)
            guard position + count <= bytes.count,
                let value = UInt32(String(decoding: bytes[position..<position + count], as: UTF8.self), radix: 16)
            else { throw fail("invalid syntax") }
            position += count
            if byte == UInt8(ascii: "x") { return [UInt8(value)] }
            guard let scalar = Unicode.Scalar(value) else { throw fail("invalid syntax") }
            return Array(String(Character(scalar)).utf8)
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            guard position + 2 <= bytes.count,
                let value = UInt8(String(decoding: bytes[position - 1..<position + 2], as: UTF8.self), radix: 8)
            else { throw fail("invalid syntax") }
            position += 2
            return [value]
        default:
            throw fail("invalid syntax")
        }
    }
}
