import InfermonCore

/// Splits a PromQL expression into tokens. Works on UTF-8 bytes: every token of
/// the language is ASCII, and only string contents may hold other characters.
struct Lexer {
    private let bytes: [UInt8]
    private var position = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    /// All tokens up to and including `.end`.
    mutating func tokenize() throws(SyntaxError) -> [Token] {
        var tokens: [Token] = []
        while true {
            let token = try next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private func peek(_ ahead: Int = 0) -> UInt8? {
        position + ahead < bytes.count ? bytes[position + ahead] : nil
    }

    private mutating func skipSpaceAndComments() {
        while let byte = peek() {
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                position += 1
            } else if byte == UInt8(ascii: "#") {
                while let inside = peek(), inside != 0x0A { position += 1 }
            } else {
                return
            }
        }
    }

    private mutating func next() throws(SyntaxError) -> Token {
        skipSpaceAndComments()
        let start = position
        guard let byte = peek() else { return Token(kind: .end, start: start, end: start) }
        func single(_ kind: Token.Kind) -> Token {
            position += 1
            return Token(kind: kind, start: start, end: position)
        }
        switch byte {
        case UInt8(ascii: "("): return single(.leftParen)
        case UInt8(ascii: ")"): return single(.rightParen)
        case UInt8(ascii: "{"): return single(.leftBrace)
        case UInt8(ascii: "}"): return single(.rightBrace)
        case UInt8(ascii: "["): return single(.leftBracket)
        case UInt8(ascii: "]"): return single(.rightBracket)
        case UInt8(ascii: ","): return single(.comma)
        case UInt8(ascii: ":"):
            // A colon starts a metric name only outside brackets; `[5m:1m]` is the common case.
            if let after = peek(1), isIdentifierStart(after) || after == UInt8(ascii: ":") {
                return lexIdentifier()
            }
            return single(.colon)
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "/"), UInt8(ascii: "%"),
            UInt8(ascii: "^"):
            return single(.symbol(String(UnicodeScalar(byte))))
        case UInt8(ascii: "="):
            if peek(1) == UInt8(ascii: "=") { return symbol("==", start) }
            if peek(1) == UInt8(ascii: "~") { return symbol("=~", start) }
            return single(.symbol("="))
        case UInt8(ascii: "!"):
            if peek(1) == UInt8(ascii: "=") { return symbol("!=", start) }
            if peek(1) == UInt8(ascii: "~") { return symbol("!~", start) }
            throw SyntaxError(offset: start, message: "unexpected character after '!': expected '=' or '~'")
        case UInt8(ascii: "<"), UInt8(ascii: ">"):
            let text = String(UnicodeScalar(byte))
            if peek(1) == UInt8(ascii: "=") { return symbol(text + "=", start) }
            return single(.symbol(text))
        case UInt8(ascii: "\""), UInt8(ascii: "'"): return try lexQuoted(quote: byte)
        case UInt8(ascii: "`"): return try lexRaw()
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."): return try lexNumberOrDuration()
        default:
            if isIdentifierStart(byte) { return lexIdentifier() }
            let scalar = String(decoding: bytes[start..<min(bytes.count, start + utf8Length(byte))], as: UTF8.self)
            throw SyntaxError(offset: start, message: "unexpected character: '\(scalar)'")
        }
    }

    private mutating func symbol(_ text: String, _ start: Int) -> Token {
        position += text.utf8.count
        return Token(kind: .symbol(text), start: start, end: position)
    }

    private func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") || byte == UInt8(ascii: "_")
    }

    private func isIdentifierPart(_ byte: UInt8) -> Bool {
        isIdentifierStart(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: ":")
    }

    private func utf8Length(_ lead: UInt8) -> Int {
        lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    }

    private mutating func lexIdentifier() -> Token {
        let start = position
        while let byte = peek(), isIdentifierPart(byte) { position += 1 }
        let word = String(decoding: bytes[start..<position], as: UTF8.self)
        // Prometheus reads Inf and NaN, in any case, as numbers.
        switch word.lowercased() {
        case "inf": return Token(kind: .number(.infinity), start: start, end: position)
        case "nan": return Token(kind: .number(.nan), start: start, end: position)
        default: return Token(kind: .identifier(word), start: start, end: position)
        }
    }

    private func isDigit(_ byte: UInt8?) -> Bool {
        guard let byte else { return false }
        return byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static let durationUnits: Set<UInt8> = Set("smhdwy".utf8)

    private mutating func lexNumberOrDuration() throws(SyntaxError) -> Token {
        let start = position
        if peek() == UInt8(ascii: "0"), peek(1) == UInt8(ascii: "x") || peek(1) == UInt8(ascii: "X") {
            position += 2
            let digitsStart = position
            while let byte = peek(), byte.isHexDigit { position += 1 }
            let text = String(decoding: bytes[digitsStart..<position], as: UTF8.self)
            guard let value = UInt64(text, radix: 16) else {
                throw SyntaxError(offset: start, message: "bad number or duration syntax: \"0x\(text)\"")
            }
            return Token(kind: .number(Double(value)), start: start, end: position)
        }
        while isDigit(peek()) { position += 1 }
        if position > start, let unit = peek(), Self.durationUnits.contains(unit) {
            return try lexDuration(from: start)
        }
        if peek() == UInt8(ascii: ".") {
            position += 1
            while isDigit(peek()) { position += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            let mark = position
            position += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
            if isDigit(peek()) {
                while isDigit(peek()) { position += 1 }
            } else {
                position = mark
            }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if let byte = peek(), isIdentifierPart(byte) {
            while let more = peek(), isIdentifierPart(more) { position += 1 }
            let whole = String(decoding: bytes[start..<position], as: UTF8.self)
            throw SyntaxError(offset: start, message: "bad number or duration syntax: \"\(whole)\"")
        }
        guard let value = Double(text) else {
            throw SyntaxError(offset: start, message: "bad number or duration syntax: \"\(text)\"")
        }
        return Token(kind: .number(value), start: start, end: position)
    }

    private mutating func lexDuration(from start: Int) throws(SyntaxError) -> Token {
        while let byte = peek(), isDigit(byte) || Self.durationUnits.contains(byte) { position += 1 }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        let runsOn = peek().map { isIdentifierPart($0) && $0 != UInt8(ascii: ":") } ?? false
        guard let millis = TimeParsing.durationMillis(text), !runsOn else {
            throw SyntaxError(offset: start, message: "bad duration syntax: \"\(text)\"")
        }
        return Token(kind: .duration(millis), start: start, end: position)
    }

    private mutating func lexRaw() throws(SyntaxError) -> Token {
        let start = position
        position += 1
        let contentStart = position
        while let byte = peek(), byte != UInt8(ascii: "`") { position += 1 }
        guard peek() != nil else { throw SyntaxError(offset: start, message: "unterminated raw string") }
        let text = String(decoding: bytes[contentStart..<position], as: UTF8.self)
        position += 1
        return Token(kind: .string(text), start: start, end: position)
    }

    /// Double- or single-quoted strings with Go's escapes: the quote itself,
    /// `\\ \a \b \f \n \r \t \v`, octal `\ooo`, `\xhh`, `\uhhhh` and `\Uhhhhhhhh`.
    private mutating func lexQuoted(quote: UInt8) throws(SyntaxError) -> Token {
        let start = position
        position += 1
        var out: [UInt8] = []
        while true {
            guard let byte = peek(), byte != 0x0A else {
                throw SyntaxError(offset: start, message: "unterminated quoted string")
            }
            position += 1
            if byte == quote { break }
            if byte != UInt8(ascii: "\\") {
                out.append(byte)
                continue
            }
            let escapeStart = position - 1
            guard let code = peek() else { throw SyntaxError(offset: start, message: "unterminated quoted string") }
            position += 1
            switch code {
            case UInt8(ascii: "a"): out.append(0x07)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "v"): out.append(0x0B)
            case UInt8(ascii: "\\"): out.append(code)
            case quote: out.append(code)
            case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
                let width = code == UInt8(ascii: "x") ? 2 : code == UInt8(ascii: "u") ? 4 : 8
                guard position + width <= bytes.count,
                    let value = UInt32(String(decoding: bytes[position..<position + width], as: UTF8.self), radix: 16)
                else { throw SyntaxError(offset: escapeStart, message: "invalid escape sequence in string") }
                position += width
                if width == 2 {
                    out.append(UInt8(value))
                } else {
                    guard let scalar = Unicode.Scalar(value) else {
                        throw SyntaxError(
                            offset: escapeStart, message: "escape sequence is an invalid Unicode code point")
                    }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                }
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                guard position + 2 <= bytes.count,
                    let value = UInt32(String(decoding: bytes[position - 1..<position + 2], as: UTF8.self), radix: 8),
                    value < 256
                else { throw SyntaxError(offset: escapeStart, message: "invalid escape sequence in string") }
                position += 2
                out.append(UInt8(value))
            default:
                throw SyntaxError(
                    offset: escapeStart, message: "unknown escape sequence '\\\(String(UnicodeScalar(code)))'")
            }
        }
        return Token(kind: .string(String(decoding: out, as: UTF8.self)), start: start, end: position)
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9"))
            || ((self | 0x20) >= UInt8(ascii: "a") && (self | 0x20) <= UInt8(ascii: "f"))
    }
}
