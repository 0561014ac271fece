/// A recursive-descent parser for Go's text/template syntax, with the checks Go
/// makes at parse time (unknown functions, undeclared variables, unbalanced
/// `end`), so that a template `promtool check rules` refuses is refused here too.
struct TemplateParser {
    private let tokens: [TemplateToken]
    private let source: String
    private let functions: Set<String>
    private var index = 0
    /// Declared variables; control structures drop theirs at `end`.
    private var variables: [String] = ["$"]
    private var definitions: [String: [TemplateNode]] = [:]
    private var loopDepth = 0
    /// Open control structures and definitions around the current action: a `define` is only legal at zero.
    private var nesting = 0

    private init(tokens: [TemplateToken], source: String, functions: Set<String>) {
        self.tokens = tokens
        self.source = source
        self.functions = functions
    }

    static func parse(_ source: String, name: String, functions: Set<String>) throws(TemplateError) -> ParsedTemplate {
        var parser = TemplateParser(tokens: try TemplateLexer.tokenize(source), source: source, functions: functions)
        let body = try parser.parseList(terminators: [])
        return ParsedTemplate(name: name, source: source, body: body, definitions: parser.definitions)
    }

    // MARK: Tokens

    private var current: TemplateToken { tokens[index] }

    private func peek(_ distance: Int = 1) -> TemplateToken { tokens[min(index + distance, tokens.count - 1)] }

    @discardableResult
    private mutating func advance() -> TemplateToken {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    func fail(_ message: String, at token: TemplateToken? = nil) -> TemplateError {
        TemplateError(offset: (token ?? current).offset, message: message)
    }

    private func describe(_ token: TemplateToken) -> String {
        switch token.kind {
        case .endOfInput: return "EOF"
        case .rightDelimiter: return "\"}}\""
        case .string: return "\"\(token.value)\""
        default: return "<\(token.value)>"
        }
    }

    private func text(from start: Int, to end: Int) -> String {
        let bytes = Array(source.utf8)
        guard start < end, end <= bytes.count else { return "" }
        return String(decoding: bytes[start..<end], as: UTF8.self).trimmingASCIISpace()
    }

    // MARK: Lists and control structures

    /// Nodes until one of `terminators` (`end`, `else`) opens an action, which is left unconsumed.
    private mutating func parseList(terminators: Set<String>) throws(TemplateError) -> [TemplateNode] {
        var nodes: [TemplateNode] = []
        while true {
            switch current.kind {
            case .endOfInput:
                if !terminators.isEmpty { throw fail("unexpected EOF") }
                return nodes
            case .text:
                nodes.append(.text(advance().value))
            case .leftDelimiter:
                let keyword = peek().kind == .keyword ? peek().value : nil
                if let keyword, keyword == "end" || keyword == "else" {
                    guard terminators.contains(keyword) else { throw fail("unexpected {{\(keyword)}}", at: peek()) }
                    return nodes
                }
                if let node = try parseAction() { nodes.append(node) }
            default:
                throw fail("unexpected \(describe(current)) in input")
            }
        }
    }

    private mutating func parseAction() throws(TemplateError) -> TemplateNode? {
        advance()  // {{
        let token = current
        if token.kind == .keyword {
            switch token.value {
            case "if", "range", "with":
                advance()
                return try parseControl(token.value, offset: token.offset)
            case "template":
                advance()
                return try parseInclude(offset: token.offset)
            case "define", "block":
                // As in Go, `define` is only a top-level clause; inside an action
                // list it is an operand the command cannot take.
                guard token.value == "block" || nesting == 0 else {
                    throw fail("unexpected <define> in command", at: token)
                }
                advance()
                return try parseDefinition(isBlock: token.value == "block", offset: token.offset)
            case "break", "continue":
                advance()
                guard loopDepth > 0 else { throw fail("{{\(token.value)}} outside {{range}}", at: token) }
                try expect(.rightDelimiter, "in {{\(token.value)}}")
                return token.value == "break" ? .breakLoop(offset: token.offset) : .continueLoop(offset: token.offset)
            case "nil":
                break
            default:
                throw fail("unexpected \(describe(token)) in command")
            }
        }
        let pipeline = try parsePipeline(context: "command", allowDeclarations: true, rangeDeclarations: false)
        return .action(pipeline)
    }

    private mutating func expect(_ kind: TemplateToken.Kind, _ context: String) throws(TemplateError) {
        guard current.kind == kind else { throw fail("unexpected \(describe(current)) \(context)") }
        advance()
    }

    private mutating func parseControl(_ keyword: String, offset: Int) throws(TemplateError) -> TemplateNode {
        let saved = variables.count
        nesting += 1
        defer {
            nesting -= 1
            variables.removeLast(max(0, variables.count - saved))
        }
        let pipeline = try parsePipeline(
            context: keyword, allowDeclarations: true, rangeDeclarations: keyword == "range")
        if keyword == "range" { loopDepth += 1 }
        let body = try parseList(terminators: ["end", "else"])
        if keyword == "range" { loopDepth -= 1 }
        var elseBody: [TemplateNode]?
        advance()  // {{
        if advance().value == "else" {
            // `{{else if …}}` nests a new conditional that shares this `end`.
            if keyword == "if", current.kind == .keyword, current.value == "if" {
                let nested = advance()
                elseBody = [try parseControl("if", offset: nested.offset)]
                let control = TemplateNode.Control(pipeline: pipeline, body: body, elseBody: elseBody, offset: offset)
                return .conditional(control)
            }
            try expect(.rightDelimiter, "in else")
            elseBody = try parseList(terminators: ["end"])
            advance()
            advance()  // {{ end
        }
        try expect(.rightDelimiter, "in end")
        let control = TemplateNode.Control(pipeline: pipeline, body: body, elseBody: elseBody, offset: offset)
        switch keyword {
        case "if": return .conditional(control)
        case "range": return .range(control)
        default: return .with(control)
        }
    }

    private mutating func parseInclude(offset: Int) throws(TemplateError) -> TemplateNode {
        guard current.kind == .string else { throw fail("unexpected \(describe(current)) in template clause") }
        let name = advance().value
        if current.kind == .rightDelimiter {
            advance()
            return .include(name: name, pipeline: nil, offset: offset)
        }
        let pipeline = try parsePipeline(context: "template clause", allowDeclarations: false, rangeDeclarations: false)
        return .include(name: name, pipeline: pipeline, offset: offset)
    }

    /// `{{define "x"}}…{{end}}` at top level; `{{block "x" pipeline}}…{{end}}` also runs it in place.
    private mutating func parseDefinition(isBlock: Bool, offset: Int) throws(TemplateError) -> TemplateNode? {
        guard current.kind == .string else { throw fail("unexpected \(describe(current)) in define clause") }
        let name = advance().value
        var pipeline: TemplatePipeline?
        if isBlock {
            pipeline = try parsePipeline(context: "block clause", allowDeclarations: false, rangeDeclarations: false)
        } else {
            try expect(.rightDelimiter, "in define clause")
        }
        // A definition has its own variable scope, with only `$`.
        let outer = variables
        variables = ["$"]
        nesting += 1
        defer {
            nesting -= 1
            variables = outer
        }
        let body = try parseList(terminators: ["end"])
        advance()
        advance()  // {{ end
        try expect(.rightDelimiter, "in end")
        definitions[name] = body
        return isBlock ? .include(name: name, pipeline: pipeline, offset: offset) : nil
    }

    // MARK: Pipelines

    private mutating func parsePipeline(context: String, allowDeclarations: Bool, rangeDeclarations: Bool)
        throws(TemplateError) -> TemplatePipeline
    {
        let start = current.offset
        var declarations: [String] = []
        var assigns = false
        if allowDeclarations, current.kind == .variable {
            // `$x :=`, `$x =`, or in a range `$i, $e :=`.
            if peek().kind == .declare || peek().kind == .assign {
                declarations = [current.value]
                assigns = peek().kind == .assign
                advance()
                advance()
            } else if rangeDeclarations, peek().kind == .comma, peek(2).kind == .variable,
                peek(3).kind == .declare || peek(3).kind == .assign
            {
                declarations = [current.value, peek(2).value]
                assigns = peek(3).kind == .assign
                for _ in 0..<4 { advance() }
            }
        }
        var commands: [TemplateCommand] = []
        while true {
            switch current.kind {
            case .rightDelimiter, .rightParen:
                let end = current.offset
                if current.kind == .rightDelimiter { advance() }
                guard !commands.isEmpty else { throw fail("missing value for \(context)") }
                // Go's parser declares even on `=`; assigning an unknown variable fails when it runs.
                variables += declarations
                return TemplatePipeline(
                    declarations: declarations, assigns: assigns, commands: commands, offset: start,
                    text: text(from: start, to: end))
            case .pipe:
                guard !commands.isEmpty else { throw fail("missing value for command") }
                advance()
            default:
                commands.append(try parseCommand())
            }
        }
    }

    private mutating func parseCommand() throws(TemplateError) -> TemplateCommand {
        let start = current.offset
        var operands: [TemplateOperand] = []
        while true {
            switch current.kind {
            case .rightDelimiter, .rightParen, .pipe:
                guard !operands.isEmpty else { throw fail("empty command") }
                return TemplateCommand(operands: operands, offset: start, text: text(from: start, to: current.offset))
            default:
                operands.append(try parseOperand())
            }
        }
    }

    private mutating func parseOperand() throws(TemplateError) -> TemplateOperand {
        let token = advance()
        var operand: TemplateOperand
        switch token.kind {
        case .dot: operand = .dot
        case .bool: operand = .bool(token.value == "true")
        case .string: operand = .string(token.value)
        case .character:
            guard let scalar = token.value.unicodeScalars.first, token.value.unicodeScalars.count == 1 else {
                throw fail("malformed character constant: \(token.value)", at: token)
            }
            operand = .number(.int(Int(scalar.value)))
        case .number: operand = .number(try Self.number(token, parser: self))
        case .keyword where token.value == "nil": operand = .nilValue
        case .field: operand = .field([String(token.value.dropFirst())])
        case .variable:
            guard variables.contains(token.value) else {
                throw fail("undefined variable \"\(token.value)\"", at: token)
            }
            operand = .variable(token.value, fields: [])
        case .identifier:
            guard functions.contains(token.value) else {
                throw fail("function \"\(token.value)\" not defined", at: token)
            }
            operand = .function(token.value)
        case .leftParen:
            let pipeline = try parsePipeline(
                context: "parenthesized pipeline", allowDeclarations: false, rangeDeclarations: false)
            guard current.kind == .rightParen else { throw fail("unclosed left paren", at: token) }
            advance()
            operand = .parenthesized(pipeline, fields: [])
        default:
            throw fail("unexpected \(describe(token)) in operand", at: token)
        }
        // Field chains directly attached: `$x.a.b`, `.A.B`, `(…).A`.
        while current.kind == .field, current.offset == previousEnd() {
            let name = String(advance().value.dropFirst())
            switch operand {
            case .field(let names): operand = .field(names + [name])
            case .variable(let variable, let fields): operand = .variable(variable, fields: fields + [name])
            case .parenthesized(let pipeline, let fields): operand = .parenthesized(pipeline, fields: fields + [name])
            default: throw fail("unexpected . after term", at: tokens[index - 1])
            }
        }
        return operand
    }

    /// End offset of the token just consumed, to tell `$x.a` from `$x .a`.
    private func previousEnd() -> Int {
        let previous = tokens[index - 1]
        switch previous.kind {
        case .rightParen: return previous.offset + 1
        default: return previous.offset + previous.value.utf8.count
        }
    }
}
