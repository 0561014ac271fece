import InfermonCore

/// One lexical unit of a PromQL expression, with the byte range it came from so
/// that every parse error can point at the offending text.
struct Token: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// Metric names, label names, function names and keywords alike; the parser
        /// decides which from context, as keywords are valid label names.
        case identifier(String)
        case number(Double)
        /// Milliseconds; `5m`, `1h30m`, `250ms`.
        case duration(Int64)
        case string(String)
        case leftParen, rightParen, leftBrace, rightBrace, leftBracket, rightBracket
        case comma, colon
        /// `+ - * / % ^ == != < <= > >= = =~ !~`
        case symbol(String)
        case end
    }

    var kind: Kind
    /// Byte offsets into the expression's UTF-8 text.
    var start: Int
    var end: Int

    /// How the token reads in an error message.
    var display: String {
        switch kind {
        case .identifier(let name): return "identifier \"\(name)\""
        case .number(let value): return "number \"\(formatPrometheusFloat(value))\""
        case .duration(let millis): return "duration \"\(TimeParsing.formatDuration(millis))\""
        case .string(let text): return "string \"\(text)\""
        case .leftParen: return "\"(\""
        case .rightParen: return "\")\""
        case .leftBrace: return "\"{\""
        case .rightBrace: return "\"}\""
        case .leftBracket: return "\"[\""
        case .rightBracket: return "\"]\""
        case .comma: return "\",\""
        case .colon: return "\":\""
        case .symbol(let text): return "\"\(text)\""
        case .end: return "end of input"
        }
    }

    var identifier: String? {
        if case .identifier(let name) = kind { return name }
        return nil
    }

    func isKeyword(_ word: String) -> Bool {
        guard case .identifier(let name) = kind else { return false }
        return name.lowercased() == word
    }

    func isSymbol(_ text: String) -> Bool { kind == .symbol(text) }
}

/// A parse error before it is turned into the user-facing `InfermonError`.
struct SyntaxError: Error {
    var offset: Int
    var message: String
}
