import InfermonCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a line is not acceptable JSON, with the byte offset where it went wrong.
struct JSONSyntaxError: Error, CustomStringConvertible {
    var message: String
    var offset: Int
    var description: String { "\(message) at byte \(offset + 1)" }
}

/// A forward-only JSON reader over bytes that are already known to be valid
/// UTF-8. Profiles drive it field by field, so the hot native path never builds
/// a tree, and values a profile does not know are copied out as raw text.
struct JSONScanner: ~Copyable {
    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var position: Int = 0
    /// Nesting limit, so a hostile line of `[[[[…` cannot exhaust the stack.
    static let maxDepth = 64
    private var depth = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// A scanner that starts at `position`: for reading again a value that an earlier pass found valid.
    init(_ bytes: UnsafeBufferPointer<UInt8>, at position: Int) {
        self.bytes = bytes
        self.position = position
    }

    func error(_ message: String) -> JSONSyntaxError { JSONSyntaxError(message: message, offset: position) }

    @inline(__always)
    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    @inline(__always)
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < bytes.count ? bytes[position] : nil
    }

    mutating func expectEnd() throws {
        skipWhitespace()
        if position != bytes.count { throw error("unexpected data after the JSON value") }
    }

    @inline(__always)
    mutating func consume(_ byte: UInt8) -> Bool {
        if peek() == byte {
            position += 1
            return true
        }
        return false
    }

    /// Iterates an object's members; `body` must consume the value of each key.
    mutating func readObject(_ body: (inout JSONScanner, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        guard consume(UInt8(ascii: "{")) else { throw error("expected an object") }
        depth += 1
        guard depth <= Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth)") }
        defer { depth -= 1 }
        if consume(UInt8(ascii: "}")) { return }
        while true {
            guard peek() == UInt8(ascii: "\"") else { throw error("expected a member name") }
            let key = try readRawStringContent()
            guard consume(UInt8(ascii: ":")) else { throw error("expected ':' after a member name") }
            if key.hasEscapes {
                var decoded = try decodeEscapes(key.range)
                try decoded.withUnsafeMutableBufferPointer { buffer in
                    try body(&self, UnsafeBufferPointer(buffer))
                }
            } else {
                try body(&self, UnsafeBufferPointer(rebasing: bytes[key.range]))
            }
            if consume(UInt8(ascii: ",")) { continue }
            if consume(UInt8(ascii: "}")) { return }
            throw error("expected ',' or '}' in an object")
        }
    }

    mutating func readArray(_ body: (inout JSONScanner) throws -> Void) throws {
        guard consume(UInt8(ascii: "[")) else { throw error("expected an array") }
        depth += 1
        guard depth <= Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth)") }
        defer { depth -= 1 }
        if consume(UInt8(ascii: "]")) { return }
        while true {
            try body(&self)
            if consume(UInt8(ascii: ",")) { continue }
            if consume(UInt8(ascii: "]")) { return }
            throw error("expected ',' or ']' in an array")
        }
    }

    mutating func readNull() -> Bool {
        guard peek() == UInt8(ascii: "n") else { return false }
        guard position + 4 <= bytes.count, bytes[position + 1] == UInt8(ascii: "u"),
            bytes[position + 2] == UInt8(ascii: "l"), bytes[position + 3] == UInt8(ascii: "l")
        else { return false }
        position += 4
        return true
    }

    mutating func readBool() throws -> Bool {
        skipWhitespace()
        if matchLiteral("true") { return true }
        if matchLiteral("false") { return false }
        throw error("expected true or false")
    }

    private mutating func matchLiteral(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        let base = literal.utf8Start
        for offset in 0..<count where bytes[position + offset] != base[offset] { return false }
        position += count
        return true
    }

    /// The content range of a string literal, without decoding escapes.
    mutating func readRawStringContent() throws -> (range: Range<Int>, hasEscapes: Bool) {
        guard consume(UInt8(ascii: "\"")) else { throw error("expected a string") }
        let start = position
        var escapes = false
        let count = bytes.count
        let base = UnsafeRawPointer(bytes.baseAddress!)
        // A local index, stored back once: the loop then runs in registers.
        var index = position
        defer { position = index }
        while true {
            // Eight bytes at a time, straight to the first one that needs a look.
            while index &+ 8 <= count {
                let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
                let mask = Self.specialBytes(word)
                if mask != 0 {
                    index &+= mask.trailingZeroBitCount >> 3
                    break
                }
                index &+= 8
            }
            guard index < count else { throw JSONSyntaxError(message: "unterminated string", offset: index) }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return (start..<(index - 1), escapes)
            }
            if byte == UInt8(ascii: "\\") {
                escapes = true
                index += 2
                continue
            }
            if byte < 0x20 {
                throw JSONSyntaxError(
                    message: byte == 0 ? "NUL byte in a string" : "unescaped control character in a string",
                    offset: index)
            }
            index += 1
        }
    }

    /// The high bit of each byte of a word (first byte lowest) that is a quote, a
    /// backslash or a control byte. The lowest flag is always exact; a borrow
    /// may raise false flags above it, which the byte check after it never sees.
    @inline(__always)
    private static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let zeroInQuote = (quote &- ones) & ~quote
        let zeroInBackslash = (backslash &- ones) & ~backslash
        let control = (word &- ones &* 0x20) & ~word
        return (zeroInQuote | zeroInBackslash | control) & highs
    }

    /// The bytes of a string that has no escapes, in place; nil (having read
    /// nothing) for a string with escapes, which `readString` must decode.
    mutating func readUnescapedString() throws -> UnsafeBufferPointer<UInt8>? {
        let start = position
        let raw = try readRawStringContent()
        if raw.hasEscapes {
            position = start
            return nil
        }
        return UnsafeBufferPointer(rebasing: bytes[raw.range])
    }

    /// A string, shared through `strings` when it is a repeated label value.
    mutating func readString(interning strings: inout StringInterner) throws -> String {
        let raw = try readRawStringContent()
        if !raw.hasEscapes { return strings.string(UnsafeBufferPointer(rebasing: bytes[raw.range])) }
        return String(decoding: try decodeEscapes(raw.range), as: UTF8.self)
    }

    mutating func readString() throws -> String {
        let raw = try readRawStringContent()
        if !raw.hasEscapes {
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[raw.range]), as: UTF8.self)
        }
        let decoded = try decodeEscapes(raw.range)
        return String(decoding: decoded, as: UTF8.self)
    }

    /// A string, or nil for a JSON null.
    mutating func readOptionalString() throws -> String? {
        if readNull() { return nil }
        return try readString()
    }

    /// A JSON number. Integers and short decimals take an exact fast path
    /// (Clinger's: a mantissa below 2^53 scaled by an exact power of ten);
    /// everything else goes through `strtod`.
    mutating func readNumber() throws -> Double {
        skipWhitespace()
        let start = position
        var negative = false
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        let integerStart = position
        while position < bytes.count, bytes[position] &- 0x30 < 10 {
            mantissa = mantissa &* 10 &+ UInt64(bytes[position] - 0x30)
            digits += 1
            position += 1
        }
        guard position > integerStart else { throw error("expected a value") }
        if bytes[integerStart] == 0x30 && position - integerStart > 1 { throw error("leading zero in a number") }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            let fractionStart = position
            while position < bytes.count, bytes[position] &- 0x30 < 10 {
                mantissa = mantissa &* 10 &+ UInt64(bytes[position] - 0x30)
                digits += 1
                fractionDigits += 1
                position += 1
            }
            guard position > fractionStart else { throw error("expected digits after '.'") }
        }
        var exponent = 0
        var hasExponent = false
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            hasExponent = true
            position += 1
            var exponentNegative = false
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                exponentNegative = bytes[position] == UInt8(ascii: "-")
                position += 1
            }
            let exponentStart = position
            while position < bytes.count, bytes[position] &- 0x30 < 10 {
                if exponent < 100_000 { exponent = exponent * 10 + Int(bytes[position] - 0x30) }
                position += 1
            }
            guard position > exponentStart else { throw error("expected digits in an exponent") }
            if exponentNegative { exponent = -exponent }
        }
        let scale = exponent - fractionDigits
        if digits <= 15, !hasExponent || abs(scale) <= 22, abs(scale) <= 22 {
            var value = Double(mantissa)
            if scale < 0 { value /= Self.powersOfTen[-scale] } else if scale > 0 { value *= Self.powersOfTen[scale] }
            return negative ? -value : value
        }
        // Slow path (such as JavaScript's 17-digit shortest forms): hand the exact
        // text to the C library, NUL-terminated in a stack buffer.
        let length = position - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { text in
            UnsafeMutableRawBufferPointer(text).copyMemory(
                from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start..<position]))
            text[length] = 0
            return strtod(text.baseAddress!, nil)
        }
    }

    mutating func readInteger() throws -> Int {
        let start = position
        let value = try readNumber()
        guard value == value.rounded(), abs(value) < 9.0e15 else {
            position = start
            throw error("expected an integer")
        }
        return Int(value)
    }

    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// Skips one value of any type and returns the byte range it occupied.
    @discardableResult
    mutating func skipValue() throws -> Range<Int> {
        guard let first = peek() else { throw error("expected a value") }
        let start = position
        switch first {
        case UInt8(ascii: "{"):
            try readObject { scanner, _ in try scanner.skipValue() }
        case UInt8(ascii: "["):
            try readArray { scanner in try scanner.skipValue() }
        case UInt8(ascii: "\""):
            _ = try readRawStringContent()
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            _ = try readBool()
        case UInt8(ascii: "n"):
            guard readNull() else { throw error("expected a value") }
        default:
            _ = try readNumber()
        }
        return start..<position
    }

    /// Reads any value into a tree; for the profiles that walk nested documents.
    mutating func readValue() throws -> JSONValue {
        guard let first = peek() else { throw error("expected a value") }
        switch first {
        case UInt8(ascii: "{"):
            var pairs: [(key: String, value: JSONValue)] = []
            try readObject { scanner, key in
                pairs.append((String(decoding: key, as: UTF8.self), try scanner.readValue()))
            }
            return .object(pairs)
        case UInt8(ascii: "["):
            var values: [JSONValue] = []
            try readArray { scanner in values.append(try scanner.readValue()) }
            return .array(values)
        case UInt8(ascii: "\""):
            return .string(try readString())
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            return .bool(try readBool())
        case UInt8(ascii: "n"):
            guard readNull() else { throw error("expected a value") }
            return .null
        default:
            return .number(try readNumber())
        }
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Byte-wise comparison with a literal key, without building a String.
    @inline(__always)
    func equals(_ literal: StaticString) -> Bool {
        guard count == literal.utf8CodeUnitCount else { return false }
        return memcmp(baseAddress!, literal.utf8Start, count) == 0
    }
}

/// Whether bytes are valid UTF-8, with an ASCII fast path eight bytes at a time.
func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var index = 0
    let count = bytes.count
    if let base = bytes.baseAddress {
        let raw = UnsafeRawPointer(base)
        while index + 8 <= count {
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            if word & 0x8080_8080_8080_8080 != 0 { break }
            index += 8
        }
    }
    while index < count, bytes[index] < 0x80 { index += 1 }
    if index == count { return true }
    return String(validating: UnsafeBufferPointer(rebasing: bytes[index...]), as: UTF8.self) != nil
}
