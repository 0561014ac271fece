#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The escapes of a string literal's content, read one way for every use:
/// decoded, only checked, or written again as `writeJSONString` writes the
/// decoded text. Prompt and response bodies are escape-heavy (every quote,
/// newline and, from Python's `json.dumps`, every non-ASCII character), so the
/// stretches between backslashes are found with `memchr` and copied whole.
extension JSONScanner {
    /// Calls `run` with each stretch without a backslash and `scalar` with each
    /// escape's value, throwing at the first bad escape (always the same error
    /// at the same byte: the tree parser's reasons are what dead letters show).
    @inline(__always)
    func forEachEscape(
        in range: Range<Int>, run: (UnsafeBufferPointer<UInt8>) -> Void, scalar: (UInt32) -> Void
    ) throws {
        let base = bytes.baseAddress!
        let end = range.upperBound
        var index = range.lowerBound
        func hex4(_ at: Int) throws -> UInt32 {
            guard at + 4 <= end else { throw JSONSyntaxError(message: "short \\u escape", offset: at) }
            var value: UInt32 = 0
            for offset in 0..<4 {
                let byte = base[at + offset]
                let digit: UInt32
                switch byte {
                case 0x30...0x39: digit = UInt32(byte - 0x30)
                case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
                case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
                default: throw JSONSyntaxError(message: "bad hex digit in \\u escape", offset: at + offset)
                }
                value = value << 4 | digit
            }
            return value
        }
        while index < end {
            let next = memchr(base + index, 0x5C, end - index).map { UnsafeRawPointer(base).distance(to: $0) } ?? end
            if next > index { run(UnsafeBufferPointer(start: base + index, count: next - index)) }
            index = next
            guard index < end else { return }
            guard index + 1 < end else { throw JSONSyntaxError(message: "dangling escape", offset: index) }
            let escaped = base[index + 1]
            index += 2
            switch escaped {
            case UInt8(ascii: "\""): scalar(0x22)
            case UInt8(ascii: "\\"): scalar(0x5C)
            case UInt8(ascii: "/"): scalar(0x2F)
            case UInt8(ascii: "b"): scalar(0x08)
            case UInt8(ascii: "f"): scalar(0x0C)
            case UInt8(ascii: "n"): scalar(0x0A)
            case UInt8(ascii: "r"): scalar(0x0D)
            case UInt8(ascii: "t"): scalar(0x09)
            case UInt8(ascii: "u"):
                var value = try hex4(index)
                index += 4
                if (0xD800..<0xDC00).contains(value) {
                    guard index + 6 <= end, base[index] == UInt8(ascii: "\\"), base[index + 1] == UInt8(ascii: "u")
                    else { throw JSONSyntaxError(message: "unpaired surrogate", offset: index) }
                    let low = try hex4(index + 2)
                    guard (0xDC00..<0xE000).contains(low) else {
                        throw JSONSyntaxError(message: "unpaired surrogate", offset: index)
                    }
                    index += 6
                    value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(value) {
                    throw JSONSyntaxError(message: "unpaired surrogate", offset: index)
                }
                if value == 0 { throw JSONSyntaxError(message: "NUL character in a string", offset: index) }
                scalar(value)
            default:
                throw JSONSyntaxError(message: "invalid escape", offset: index - 1)
            }
        }
    }

    func decodeEscapes(_ range: Range<Int>) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        try appendDecoded(range, to: &out)
        return out
    }

    /// Appends a string's decoded content.
    func appendDecoded(_ range: Range<Int>, to out: inout [UInt8]) throws {
        try forEachEscape(in: range, run: { out.append(contentsOf: $0) }, scalar: { appendUTF8($0, to: &out) })
    }

    func checkEscapes(_ range: Range<Int>) throws {
        try forEachEscape(in: range, run: { _ in }, scalar: { _ in })
    }

    /// Appends a string literal with escapes as `writeJSONString` writes its decoded text.
    func appendRewritten(_ range: Range<Int>, to out: inout [UInt8]) throws {
        out.append(UInt8(ascii: "\""))
        func rewrite(_ value: UInt32) {
            let named: UInt8
            switch value {
            case 0x22, 0x5C: named = UInt8(value)
            case 0x0A: named = UInt8(ascii: "n")
            case 0x0D: named = UInt8(ascii: "r")
            case 0x09: named = UInt8(ascii: "t")
            case 0..<0x20:
                let hex: StaticString = "0123456789abcdef"
                for byte in [UInt8(ascii: "\\"), UInt8(ascii: "u"), 0x30, 0x30] { out.append(byte) }
                out.append(hex.utf8Start[Int(value >> 4)])
                out.append(hex.utf8Start[Int(value & 15)])
                return
            default:
                appendUTF8(value, to: &out)
                return
            }
            out.append(UInt8(ascii: "\\"))
            out.append(named)
        }
        // A stretch without a backslash has no quote or control byte either: it stays as it is.
        try forEachEscape(in: range, run: { out.append(contentsOf: $0) }, scalar: rewrite)
        out.append(UInt8(ascii: "\""))
    }
}

/// Appends a Unicode scalar value (never a surrogate) as UTF-8.
@inline(__always)
func appendUTF8(_ value: UInt32, to out: inout [UInt8]) {
    switch value {
    case ..<0x80:
        out.append(UInt8(value))
    case ..<0x800:
        out.append(UInt8(0xC0 | value >> 6))
        out.append(UInt8(0x80 | value & 0x3F))
    case ..<0x10000:
        out.append(UInt8(0xE0 | value >> 12))
        out.append(UInt8(0x80 | value >> 6 & 0x3F))
        out.append(UInt8(0x80 | value & 0x3F))
    default:
        out.append(UInt8(0xF0 | value >> 18))
        out.append(UInt8(0x80 | value >> 12 & 0x3F))
        out.append(UInt8(0x80 | value >> 6 & 0x3F))
        out.append(UInt8(0x80 | value & 0x3F))
    }
}
