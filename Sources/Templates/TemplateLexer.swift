/// One token of a Go text/template source.
struct TemplateToken: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case text
        case leftDelimiter
        case rightDelimiter
        case leftParen
        case rightParen
        case pipe
        case declare  // :=
        case assign  // =
        case comma
        case dot
        case field  // .Name
        case variable  // $ or $name
        case identifier
        case keyword
        case bool
        case number
        case string  // quoted or raw; `value` holds the decoded text
        case character
        case endOfInput
    }

    var kind: Kind
    var value: String
    /// Byte offset in the source, for error positions.
    var offset: Int
}

/// Splits template text into tokens as Go's text/template lexer does: text
/// outside `{{ }}`, trim markers (`{{- ` and ` -}}`) that eat the whitespace
/// beside them, `{{/* comments */}}`, and the words inside actions.
struct TemplateLexer {
    static let keywords: Set<String> = [
        "if", "else", "end", "range", "with", "define", "template", "block", "nil", "break", "continue",
    ]

    let bytes: [UInt8]
    var position = 0
    private var tokens: [TemplateToken] = []
    private var parenDepth = 0

    init(_ text: String) { bytes = Array(text.utf8) }

    static func tokenize(_ text: String) throws(TemplateError) -> [TemplateToken] {
        var lexer = TemplateLexer(text)
        try lexer.run()
        return lexer.tokens
    }

    func fail(_ message: String, at offset: Int? = nil) -> TemplateError {
        TemplateError(offset: offset ?? position, message: message)
    }

    private func hasPrefix(_ prefix: String, at index: Int) -> Bool {
        let needle = Array(prefix.utf8)
        guard index + needle.count <= bytes.count else { return false }
        return Array(bytes[index..<index + needle.count]) == needle
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    private mutating func run() throws(TemplateError) {
        while position < bytes.count {
            // Text up to the next `{{`.
            var end = position
            while end < bytes.count && !hasPrefix("{{", at: end) { end += 1 }
            var textEnd = end
            let trimLeft = hasPrefix("{{-", at: end) && end + 3 < bytes.count && Self.isSpace(bytes[end + 3])
            if trimLeft {
                while textEnd > position && Self.isSpace(bytes[textEnd - 1]) { textEnd -= 1 }
            }
            if textEnd > position {
                emit(.text, String(decoding: bytes[position..<textEnd], as: UTF8.self), at: position)
            }
            if end >= bytes.count {
                position = end
                break
            }
            try lexAction(at: end, trimmed: trimLeft)
        }
        tokens.append(TemplateToken(kind: .endOfInput, value: "", offset: bytes.count))
    }

    private mutating func emit(_ kind: TemplateToken.Kind, _ value: String, at offset: Int) {
        tokens.append(TemplateToken(kind: kind, value: value, offset: offset))
    }

    /// Whether ` -}}` or `}}` closes the action here; returns the length and whether it trims.
    private func rightDelimiter(at index: Int) -> (length: Int, trims: Bool)? {
        if index < bytes.count, Self.isSpace(bytes[index]), hasPrefix("-}}", at: index + 1) { return (4, true) }
        if hasPrefix("}}", at: index) { return (2, false) }
        return nil
    }

    private mutating func lexAction(at start: Int, trimmed: Bool) throws(TemplateError) {
        // `{{- ` is consumed with its space; comments must follow at once and fill the action.
        position = start + (trimmed ? 4 : 2)
        if hasPrefix("/*", at: position) {
            guard let close = find("*/", from: position + 2) else { throw fail("unclosed comment", at: start) }
            guard let delimiter = rightDelimiter(at: close + 2) else {
                throw fail("comment ends before closing delimiter", at: start)
            }
            let after = close + 2
            position = after + delimiter.length
            if delimiter.trims { skipSpaces() }
            return
        }
        emit(.leftDelimiter, "{{", at: start)
        parenDepth = 0
        while true {
            guard position < bytes.count else { throw fail("unclosed action", at: start) }
            if let delimiter = rightDelimiter(at: position) {
                guard parenDepth == 0 else { throw fail("unclosed left paren", at: position) }
                emit(.rightDelimiter, "}}", at: position)
                position += delimiter.length
                if delimiter.trims { skipSpaces() }
                return
            }
            try lexInsideAction()
        }
    }

    private mutating func skipSpaces() {
        while position < bytes.count && Self.isSpace(bytes[position]) { position += 1 }
    }

    private func find(_ needle: String, from index: Int) -> Int? {
        var cursor = index
        while cursor < bytes.count {
            if hasPrefix(needle, at: cursor) { return cursor }
            cursor += 1
        }
        return nil
    }

    private mutating func lexInsideAction() throws(TemplateError) {
        let byte = bytes[position]
        let start = position
        switch byte {
        case 0x20, 0x09, 0x0D, 0x0A:
            position += 1
        case UInt8(ascii: "|"):
            position += 1
            emit(.pipe, "|", at: start)
        case UInt8(ascii: "("):
            position += 1
            parenDepth += 1
            emit(.leftParen, "(", at: start)
        case UInt8(ascii: ")"):
            position += 1
            parenDepth -= 1
            guard parenDepth >= 0 else { throw fail("unexpected right paren", at: start) }
            emit(.rightParen, ")", at: start)
        case UInt8(ascii: ","):
            position += 1
            emit(.comma, ",", at: start)
        case UInt8(ascii: ":"):
            guard hasPrefix(":=", at: position) else { throw fail("expected :=", at: start) }
            position += 2
            emit(.declare, ":=", at: start)
        case UInt8(ascii: "="):
            position += 1
            emit(.assign, "=", at: start)
        case UInt8(ascii: "\""), UInt8(ascii: "`"):
            emit(.string, try lexString(), at: start)
        case UInt8(ascii: "'"):
            emit(.character, try lexCharacter(), at: start)
        case UInt8(ascii: "$"):
            position += 1
            let name = word()
            emit(.variable, "$" + name, at: start)
        case UInt8(ascii: "."):
            if position + 1 < bytes.count, isDigit(bytes[position + 1]) {
                emit(.number, lexNumber(), at: start)
            } else {
                position += 1
                let name = word()
                emit(name.isEmpty ? .dot : .field, name.isEmpty ? "." : "." + name, at: start)
            }
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            emit(.number, lexNumber(), at: start)
        default:
            guard isWordByte(byte) else {
                throw fail("unrecognized character in action: \(String(decoding: [byte], as: UTF8.self))", at: start)
            }
            let name = word()
            if name == "true" || name == "false" {
                emit(.bool, name, at: start)
            } else if Self.keywords.contains(name) {
                emit(.keyword, name, at: start)
            } else {
                emit(.identifier, name, at: start)
            }
        }
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private func isWordByte(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "_") || byte >= 0x80 || (byte >= 0x30 && byte <= 0x39)
            || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
    }

    private mutating func word() -> String {
        let start = position
        while position < bytes.count && isWordByte(bytes[position]) { position += 1 }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    /// A Go number literal: sign, digits, hex/octal/binary prefixes, fraction, exponent, underscores.
    private mutating func lexNumber() -> String {
        let start = position
        if bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
        while position < bytes.count {
            let byte = bytes[position]
            if isWordByte(byte) || byte == UInt8(ascii: ".") {
                position += 1
            } else if (byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")) && position > start,
                "eEpP".utf8.contains(bytes[position - 1]),
                !(hasPrefix("0x", at: start) || hasPrefix("0X", at: start)) || "pP".utf8.contains(bytes[position - 1])
            {
                position += 1
            } else {
                break
            }
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }
}

/// A template that does not parse or cannot run, with the byte offset of the fault.
struct TemplateError: Error, Sendable {
    var offset: Int
    var message: String
}
