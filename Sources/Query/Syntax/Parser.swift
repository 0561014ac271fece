public import InfermonCore

/// Entry point for parsing PromQL text.
public enum PromQL {
    /// Parses and type-checks an expression. Errors carry the position as
    /// `line:column` (1-based) in the message, as Prometheus reports them; when
    /// `origin` is given (the expression's place in a rule file), the error's
    /// `location` is that file position moved by the error's offset instead.
    public static func parse(_ text: String, origin: SourceLocation? = nil) throws -> Expression {
        do {
            var lexer = Lexer(text)
            var parser = Parser(tokens: try lexer.tokenize())
            return try parser.parseAll()
        } catch {
            let (line, column) = lineAndColumn(of: error.offset, in: text)
            if let origin {
                let location = SourceLocation(
                    file: origin.file, line: origin.line + line - 1,
                    column: line == 1 ? origin.column + column - 1 : column)
                throw InfermonError.invalidArgument("parse error: \(error.message)", at: location)
            }
            throw InfermonError.invalidArgument("\(line):\(column): parse error: \(error.message)")
        }
    }

    /// 1-based line and column (in characters) of a UTF-8 byte offset.
    static func lineAndColumn(of offset: Int, in text: String) -> (Int, Int) {
        var line = 1
        var column = 1
        for (index, byte) in text.utf8.enumerated() {
            if index >= offset { break }
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }
}

/// A recursive-descent parser with precedence climbing for binary operators.
/// Type checks happen as nodes are built, so errors point at the node at fault.
struct Parser {
    struct Node {
        var expression: Expression
        var start: Int
        var type: ValueType { expression.type }
    }

    private var tokens: [Token]
    private var index = 0

    init(tokens: [Token]) { self.tokens = tokens }

    var current: Token { tokens[index] }
    var lookahead: Token { tokens[min(index + 1, tokens.count - 1)] }

    @discardableResult
    mutating func advance() -> Token {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    func fail(_ message: String, at offset: Int? = nil) -> SyntaxError {
        SyntaxError(offset: offset ?? current.start, message: message)
    }

    func unexpected(_ context: String? = nil) -> SyntaxError {
        let suffix = context.map { " \($0)" } ?? ""
        return fail("unexpected \(current.display)\(suffix)")
    }

    mutating func expect(_ kind: Token.Kind, _ context: String) throws(SyntaxError) -> Token {
        guard current.kind == kind else { throw unexpected(context) }
        return advance()
    }

    mutating func parseAll() throws(SyntaxError) -> Expression {
        if current.kind == .end { throw fail("no expression found in input") }
        let node = try parseBinary(minimumPrecedence: 0)
        guard current.kind == .end else { throw unexpected() }
        return node.expression
    }

    // MARK: Binary and unary operators

    private func binaryOperator(_ token: Token) -> BinaryOperation.Operator? {
        switch token.kind {
        case .symbol(let text):
            return text == "=" ? nil : BinaryOperation.Operator(rawValue: text)
        case .identifier(let word):
            switch word.lowercased() {
            case "and": return .and
            case "or": return .or
            case "unless": return .unless
            default: return nil
            }
        default: return nil
        }
    }

    mutating func parseBinary(minimumPrecedence: Int) throws(SyntaxError) -> Node {
        var left = try parseUnary()
        while let op = binaryOperator(current), op.precedence >= minimumPrecedence {
            let operatorToken = advance()
            var returnsBool = false
            if current.isKeyword("bool") {
                advance()
                returnsBool = true
            }
            let modifiers = try parseMatchingModifiers()
            // `^` is right-associative; all others bind left.
            let next = op == .power ? op.precedence : op.precedence + 1
            let right = try parseBinary(minimumPrecedence: next)
            left = try makeBinary(op, left, right, returnsBool: returnsBool, modifiers: modifiers, at: operatorToken)
        }
        return left
    }

    private mutating func parseUnary() throws(SyntaxError) -> Node {
        guard current.isSymbol("-") || current.isSymbol("+") else { return try parsePostfix(try parsePrimary()) }
        let sign = advance()
        // Unary minus binds like `*`: tighter than everything but `^`.
        let operand = try parseBinary(minimumPrecedence: BinaryOperation.Operator.power.precedence)
        guard operand.type == .scalar || operand.type == .vector else {
            throw fail(
                "unary expression only allowed on expressions of type scalar or instant vector, got \"\(operand.type.rawValue)\"",
                at: sign.start)
        }
        guard sign.isSymbol("-") else { return Node(expression: operand.expression, start: sign.start) }
        if case .number(let value) = operand.expression {
            return Node(expression: .number(-value), start: sign.start)
        }
        return Node(expression: .negation(operand.expression), start: sign.start)
    }

    private struct MatchingModifiers {
        var on: Bool?
        var labels: [String] = []
        var group: BinaryOperation.Matching.Cardinality?
        var include: [String] = []
        var offset: Int
    }

    private mutating func parseMatchingModifiers() throws(SyntaxError) -> MatchingModifiers {
        var modifiers = MatchingModifiers(offset: current.start)
        if current.isKeyword("on") || current.isKeyword("ignoring") {
            modifiers.on = advance().isKeyword("on")
            modifiers.labels = try parseLabelList()
            if current.isKeyword("group_left") || current.isKeyword("group_right") {
                modifiers.group = advance().isKeyword("group_left") ? .manyToOne : .oneToMany
                if current.kind == .leftParen { modifiers.include = try parseLabelList() }
            }
        } else if current.isKeyword("group_left") || current.isKeyword("group_right") {
            throw fail("\(current.identifier!) must follow on(…) or ignoring(…)")
        }
        return modifiers
    }

    private func makeBinary(
        _ op: BinaryOperation.Operator, _ left: Node, _ right: Node, returnsBool: Bool, modifiers: MatchingModifiers,
        at token: Token
    ) throws(SyntaxError) -> Node {
        for side in [left, right] where side.type != .scalar && side.type != .vector {
            throw fail("binary expression must contain only scalar and instant vector types", at: side.start)
        }
        let bothVectors = left.type == .vector && right.type == .vector
        if op.isSetOperator && (left.type == .scalar || right.type == .scalar) {
            throw fail("set operator \"\(op.rawValue)\" not allowed in binary scalar expression", at: token.start)
        }
        if returnsBool && !op.isComparison {
            throw fail("bool modifier can only be used on comparison operators", at: token.start)
        }
        if op.isComparison && !returnsBool && left.type == .scalar && right.type == .scalar {
            throw fail("comparisons between scalars must use BOOL modifier", at: token.start)
        }
        if modifiers.on != nil && !bothVectors {
            throw fail("vector matching only allowed between instant vectors", at: modifiers.offset)
        }
        var matching: BinaryOperation.Matching?
        if bothVectors {
            if op.isSetOperator, modifiers.group != nil {
                throw fail("no grouping allowed for \"\(op.rawValue)\" operation", at: modifiers.offset)
            }
            let cardinality = op.isSetOperator ? .manyToMany : modifiers.group ?? .oneToOne
            if modifiers.on == true, let both = modifiers.include.first(where: modifiers.labels.contains) {
                throw fail("label \"\(both)\" must not occur in ON and GROUP clause at once", at: modifiers.offset)
            }
            matching = BinaryOperation.Matching(
                cardinality: cardinality, on: modifiers.on ?? false, labels: modifiers.labels,
                include: modifiers.include)
        }
        let binary = BinaryOperation(
            op: op, left: left.expression, right: right.expression, returnsBool: returnsBool, matching: matching)
        return Node(expression: .binary(binary), start: left.start)
    }

    // MARK: Postfix: ranges, subqueries, offsets

    private mutating func parsePostfix(_ start: Node) throws(SyntaxError) -> Node {
        var node = start
        while true {
            if current.kind == .leftBracket {
                node = try parseRangeOrSubquery(node)
            } else if current.isKeyword("offset") {
                node = try parseOffset(node)
            } else {
                return node
            }
        }
    }

    private mutating func parseDuration(_ what: String) throws(SyntaxError) -> Int64 {
        guard case .duration(let millis) = current.kind else { throw unexpected("in \(what), expected duration") }
        advance()
        return millis
    }

    private mutating func parseRangeOrSubquery(_ node: Node) throws(SyntaxError) -> Node {
        let bracket = advance()
        let rangeStart = current.start
        let range = try parseDuration("range or subquery")
        if range <= 0 { throw fail("range must be greater than zero", at: rangeStart) }
        if current.kind == .colon {
            advance()
            var step: Int64?
            if current.kind != .rightBracket {
                let stepStart = current.start
                step = try parseDuration("subquery step")
                if step! <= 0 { throw fail("subquery step must be greater than zero", at: stepStart) }
            }
            _ = try expect(.rightBracket, "in subquery, expected \"]\"")
            guard node.type == .vector else {
                throw fail("subquery is only allowed on instant vector, got \(node.type.rawValue)", at: bracket.start)
            }
            let subquery = Subquery(expression: node.expression, range: range, step: step, offset: 0)
            return Node(expression: .subquery(subquery), start: node.start)
        }
        _ = try expect(.rightBracket, "in range selector, expected \"]\" or \":\"")
        guard case .selector(let selector) = node.expression else {
            throw fail("ranges only allowed for vector selectors", at: bracket.start)
        }
        if selector.offset != 0 { throw fail("no offset modifiers allowed before range", at: bracket.start) }
        return Node(expression: .rangeSelector(selector, range: range), start: node.start)
    }

    private mutating func parseOffset(_ node: Node) throws(SyntaxError) -> Node {
        let keyword = advance()
        var sign: Int64 = 1
        if current.isSymbol("-") {
            advance()
            sign = -1
        }
        let offset = sign * (try parseDuration("offset"))
        switch node.expression {
        case .selector(var selector) where selector.offset == 0:
            selector.offset = offset
            return Node(expression: .selector(selector), start: node.start)
        case .rangeSelector(var selector, let range) where selector.offset == 0:
            selector.offset = offset
            return Node(expression: .rangeSelector(selector, range: range), start: node.start)
        case .subquery(var subquery) where subquery.offset == 0:
            subquery.offset = offset
            return Node(expression: .subquery(subquery), start: node.start)
        case .selector, .rangeSelector, .subquery:
            throw fail("offset may not be set multiple times", at: keyword.start)
        default:
            throw fail(
                "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery",
                at: keyword.start)
        }
    }
}
