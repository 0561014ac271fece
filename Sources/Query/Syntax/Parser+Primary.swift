import InfermonCore

/// Literals, selectors, calls and aggregations: everything an operator applies to.
extension Parser {
    private static let reservedWords: Set<String> = [
        "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or", "unless",
    ]

    mutating func parsePrimary() throws(SyntaxError) -> Node {
        let token = current
        switch token.kind {
        case .number(let value):
            advance()
            return Node(expression: .number(value), start: token.start)
        case .string(let text):
            advance()
            return Node(expression: .string(text), start: token.start)
        case .leftParen:
            advance()
            let inner = try parseBinary(minimumPrecedence: 0)
            _ = try expect(.rightParen, "in parenthesized expression, expected \")\"")
            return Node(expression: .parenthesized(inner.expression), start: token.start)
        case .leftBrace:
            return Node(expression: .selector(try parseSelector(name: nil, start: token.start)), start: token.start)
        case .identifier(let word):
            let lowered = word.lowercased()
            if let op = Aggregation.Operator(rawValue: lowered) {
                return try parseAggregation(op)
            }
            if Self.reservedWords.contains(lowered) { throw unexpected() }
            if lookahead.kind == .leftParen {
                return try parseCall(word)
            }
            advance()
            return Node(
                expression: .selector(try parseSelector(name: word, start: token.start)), start: token.start)
        case .end:
            throw fail("unexpected end of input")
        default:
            throw unexpected()
        }
    }

    // MARK: Selectors

    private static func isLabelName(_ text: String) -> Bool {
        guard let first = text.utf8.first, first != UInt8(ascii: ":"), !(first >= 0x30 && first <= 0x39) else {
            return false
        }
        return !text.utf8.contains(UInt8(ascii: ":"))
    }

    /// A label name; keywords are fine here (`{on="x"}`, `by (and)`).
    mutating func parseLabelName(_ context: String) throws(SyntaxError) -> String {
        guard let name = current.identifier, Self.isLabelName(name) else {
            throw unexpected("in \(context), expected label")
        }
        advance()
        return name
    }

    /// `(a, b, c)`, with an optional trailing comma.
    mutating func parseLabelList() throws(SyntaxError) -> [String] {
        _ = try expect(.leftParen, "in grouping opts, expected \"(\"")
        var labels: [String] = []
        while current.kind != .rightParen {
            labels.append(try parseLabelName("grouping opts"))
            if current.kind == .comma {
                advance()
            } else if current.kind != .rightParen {
                throw unexpected("in grouping opts, expected \")\" or \",\"")
            }
        }
        advance()
        return labels
    }

    private mutating func parseSelector(name: String?, start: Int) throws(SyntaxError) -> VectorSelector {
        var matchers: [LabelMatcher] = []
        if let name { matchers.append(.equal(Labels.metricName, name)) }
        var nameMatcherOffset: Int?
        if current.kind == .leftBrace {
            advance()
            while current.kind != .rightBrace {
                let labelStart = current.start
                let label = try parseLabelName("label matching")
                guard case .symbol(let text) = current.kind, let op = LabelMatcher.Operator(rawValue: text) else {
                    throw unexpected("in label matching, expected label matching operator")
                }
                advance()
                guard case .string(let value) = current.kind else {
                    throw unexpected("in label matching, expected string")
                }
                advance()
                do {
                    matchers.append(try LabelMatcher(label, op, value))
                } catch let error as InfermonError {
                    throw fail(error.message, at: labelStart)
                } catch {
                    throw fail("\(error)", at: labelStart)
                }
                if label == Labels.metricName { nameMatcherOffset = labelStart }
                if current.kind == .comma {
                    advance()
                } else if current.kind != .rightBrace {
                    throw unexpected("in label matching, expected \",\" or \"}\"")
                }
            }
            advance()
        }
        if let name, nameMatcherOffset != nil {
            let other = matchers.last { $0.name == Labels.metricName }!.value
            throw fail("metric name must not be set twice: \"\(name)\" or \"\(other)\"", at: start)
        }
        if matchers.allSatisfy(\.matchesEmpty) {
            throw fail("vector selector must contain at least one non-empty matcher", at: start)
        }
        return VectorSelector(matchers: matchers)
    }

    // MARK: Calls and aggregations

    private mutating func parseArguments(_ context: String) throws(SyntaxError) -> [Node] {
        _ = try expect(.leftParen, "in \(context), expected \"(\"")
        var arguments: [Node] = []
        while current.kind != .rightParen {
            if current.kind == .end { throw fail("unclosed left parenthesis") }
            arguments.append(try parseBinary(minimumPrecedence: 0))
            if current.kind == .comma {
                advance()
                if current.kind == .rightParen { throw unexpected("in \(context), expected expression") }
            } else if current.kind != .rightParen {
                throw unexpected("in \(context), expected \",\" or \")\"")
            }
        }
        advance()
        return arguments
    }

    private mutating func parseCall(_ name: String) throws(SyntaxError) -> Node {
        let nameToken = advance()
        guard let function = FunctionSignature.all[name] else {
            throw fail("unknown function with name \"\(name)\"", at: nameToken.start)
        }
        let arguments = try parseArguments("call to function \"\(name)\"")
        let count = arguments.count
        let required = function.arguments.count - function.optional
        if function.variadic {
            if count < required {
                throw fail(
                    "expected at least \(required) argument(s) in call to \"\(name)\", got \(count)",
                    at: nameToken.start)
            }
        } else if function.optional > 0 {
            if count < required {
                throw fail(
                    "expected at least \(required) argument(s) in call to \"\(name)\", got \(count)",
                    at: nameToken.start)
            }
            if count > function.arguments.count {
                throw fail(
                    "expected at most \(function.arguments.count) argument(s) in call to \"\(name)\", got \(count)",
                    at: nameToken.start)
            }
        } else if count != function.arguments.count {
            throw fail(
                "expected \(function.arguments.count) argument(s) in call to \"\(name)\", got \(count)",
                at: nameToken.start)
        }
        for (position, argument) in arguments.enumerated() {
            let expected = function.arguments[min(position, function.arguments.count - 1)]
            if argument.type != expected {
                throw fail(
                    "expected type \(expected.rawValue) in call to function \"\(name)\", got \(argument.type.rawValue)",
                    at: argument.start)
            }
        }
        let call = FunctionCall(function: function, arguments: arguments.map(\.expression))
        return Node(expression: .call(call), start: nameToken.start)
    }

    private mutating func parseGrouping() throws(SyntaxError) -> Aggregation.Grouping? {
        if current.isKeyword("by") {
            advance()
            return .by(try parseLabelList())
        }
        if current.isKeyword("without") {
            advance()
            return .without(try parseLabelList())
        }
        return nil
    }

    private mutating func parseAggregation(_ op: Aggregation.Operator) throws(SyntaxError) -> Node {
        let keyword = advance()
        var grouping = try parseGrouping()
        guard current.kind == .leftParen else { throw unexpected("in aggregation, expected \"(\"") }
        let arguments = try parseArguments("aggregation")
        if let after = try parseGrouping() {
            if grouping != nil { throw fail("duplicate grouping in aggregation", at: keyword.start) }
            grouping = after
        }
        let expected = op.parameterType == nil ? 1 : 2
        guard arguments.count == expected else {
            throw fail(
                "wrong number of arguments for aggregate expression provided, expected \(expected), got \(arguments.count)",
                at: keyword.start)
        }
        let vector = arguments[expected - 1]
        guard vector.type == .vector else {
            throw fail(
                "expected type instant vector in aggregation expression, got \(vector.type.rawValue)", at: vector.start)
        }
        var parameter: Expression?
        if let parameterType = op.parameterType {
            let node = arguments[0]
            guard node.type == parameterType else {
                throw fail(
                    "expected type \(parameterType.rawValue) in aggregation parameter, got \(node.type.rawValue)",
                    at: node.start)
            }
            if op == .countValues, case .string(let label) = node.expression, !PrometheusNames.isLabelName(label) {
                throw fail("invalid label name \"\(label)\"", at: node.start)
            }
            parameter = node.expression
        }
        let aggregation = Aggregation(op: op, expression: vector.expression, parameter: parameter, grouping: grouping)
        return Node(expression: .aggregation(aggregation), start: keyword.start)
    }
}
