import InfermonCore

/// Reading a value again as compact JSON text, and skipping one with every check
/// the tree parser makes, straight on the bytes.
///
/// Both walk a value with the same steps, in the same order, as
/// `JSONScanner.readValue` does, so a line fails at the same byte with the same
/// message as when it was parsed into a tree; and the text is byte for byte
/// what `JSONValue.jsonText` writes for the tree (numbers normalised, escapes
/// rewritten), because a line's attributes were stored that way before.
extension JSONScanner {
    /// Skips one value, checking what `readValue` checks (escapes included), without building it.
    mutating func skipCheckedValue() throws {
        guard let first = peek() else { throw error("expected a value") }
        switch first {
        case UInt8(ascii: "{"):
            try readObject { scanner, _ in try scanner.skipCheckedValue() }
        case UInt8(ascii: "["):
            try readArray { scanner in try scanner.skipCheckedValue() }
        case UInt8(ascii: "\""):
            let raw = try readRawStringContent()
            if raw.hasEscapes { try checkEscapes(raw.range) }
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            _ = try readBool()
        case UInt8(ascii: "n"):
            guard readNull() else { throw error("expected a value") }
        default:
            _ = try readNumber()
        }
    }

    /// Appends one value as `JSONValue.jsonText` would write it after `readValue`.
    mutating func writeCompactValue(to out: inout [UInt8]) throws {
        guard let first = peek() else { throw error("expected a value") }
        switch first {
        case UInt8(ascii: "{"):
            out.append(UInt8(ascii: "{"))
            var firstMember = true
            try readObject { scanner, key in
                if !firstMember { out.append(UInt8(ascii: ",")) }
                firstMember = false
                if scanner.holds(key) {
                    // A name read in place had no escapes, so it has nothing to escape.
                    out.append(UInt8(ascii: "\""))
                    out.append(contentsOf: key)
                    out.append(UInt8(ascii: "\""))
                } else {
                    appendJSONString(key, to: &out)
                }
                out.append(UInt8(ascii: ":"))
                try scanner.writeCompactValue(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            out.append(UInt8(ascii: "["))
            var firstValue = true
            try readArray { scanner in
                if !firstValue { out.append(UInt8(ascii: ",")) }
                firstValue = false
                try scanner.writeCompactValue(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case UInt8(ascii: "\""):
            let raw = try readRawStringContent()
            if raw.hasEscapes {
                try appendRewritten(raw.range, to: &out)
            } else {
                // Without escapes there is no quote, backslash or control byte to escape.
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[raw.range]))
                out.append(UInt8(ascii: "\""))
            }
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            appendLiteral(try readBool() ? "true" : "false", to: &out)
        case UInt8(ascii: "n"):
            guard readNull() else { throw error("expected a value") }
            appendLiteral("null", to: &out)
        default:
            let start = position
            let value = try readNumber()
            let text = UnsafeBufferPointer(rebasing: bytes[start..<position])
            if Self.isPlainInteger(text) {
                out.append(contentsOf: text)
            } else {
                var formatted = formatJSONNumber(value)
                formatted.withUTF8 { out.append(contentsOf: $0) }
            }
        }
    }

    /// Whether `text` lies in the scanned bytes (a member name without escapes) rather than in a decoded copy.
    @inline(__always)
    func holds(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let start = text.baseAddress, let base = bytes.baseAddress else { return false }
        return start >= base && start < base + bytes.count
    }

    /// Whether `formatJSONNumber` gives a number's text back as it is: an integer
    /// of at most 15 digits (exact in a Double, under 1e15), other than `-0`.
    @inline(__always)
    static func isPlainInteger(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        if text.first == UInt8(ascii: "-") { index = 1 }
        let digits = text.count - index
        guard digits >= 1, digits <= 15 else { return false }
        if text[index] == UInt8(ascii: "0") { return digits == 1 && index == 0 }
        while index < text.count {
            guard text[index] &- 0x30 < 10 else { return false }
            index += 1
        }
        return true
    }
}

@inline(__always)
private func appendLiteral(_ text: StaticString, to out: inout [UInt8]) {
    out.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
}

/// Appends a JSON string literal as `writeJSONString` writes it: `"`, `\`, and
/// the control characters escaped (`\n`, `\r`, `\t` by name, others as `\u00XX`).
func appendJSONString(_ text: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    var plain = true
    for byte in text where byte < 0x20 || byte == 0x22 || byte == 0x5C {
        plain = false
        break
    }
    if plain {
        out.append(contentsOf: text)
        out.append(UInt8(ascii: "\""))
        return
    }
    var plainFrom = 0
    for (index, byte) in text.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C {
        out.append(contentsOf: UnsafeBufferPointer(rebasing: text[plainFrom..<index]))
        plainFrom = index + 1
        out.append(UInt8(ascii: "\\"))
        switch byte {
        case 0x22, 0x5C: out.append(byte)
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        default:
            let hex: StaticString = "0123456789abcdef"
            out.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30])
            out.append(hex.utf8Start[Int(byte >> 4)])
            out.append(hex.utf8Start[Int(byte & 15)])
        }
    }
    out.append(contentsOf: UnsafeBufferPointer(rebasing: text[plainFrom...]))
    out.append(UInt8(ascii: "\""))
}
