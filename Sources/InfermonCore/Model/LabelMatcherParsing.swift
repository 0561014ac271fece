/// Matchers as people type them in config files, silences and the CLI, in
/// Alertmanager's syntax: `severity="critical"`, `team=~"ml|infra"`,
/// `env!=prod` (quotes optional), or a braced list `{a="1", b!~"x.*"}`.
extension LabelMatcher {
    public init(parsing text: String) throws {
        var scanner = MatcherScanner(Array(text.unicodeScalars))
        scanner.skipSpaces()
        let matcher = try scanner.matcher()
        scanner.skipSpaces()
        guard scanner.isAtEnd else { throw InfermonError.invalidArgument("unexpected text after matcher in \(text)") }
        self = matcher
    }

    /// A list of matchers: braced `{a="1", b="2"}` or comma-separated without braces.
    public static func parseList(_ text: String) throws -> [LabelMatcher] {
        var scanner = MatcherScanner(Array(text.unicodeScalars))
        scanner.skipSpaces()
        let braced = scanner.consume("{")
        var result: [LabelMatcher] = []
        while true {
            scanner.skipSpaces()
            if braced && scanner.consume("}") { break }
            if scanner.isAtEnd {
                if braced { throw InfermonError.invalidArgument("missing } in \(text)") }
                break
            }
            result.append(try scanner.matcher())
            scanner.skipSpaces()
            if !scanner.consume(",") {
                scanner.skipSpaces()
                if braced {
                    guard scanner.consume("}") else {
                        throw InfermonError.invalidArgument("expected , or } in \(text)")
                    }
                }
                break
            }
        }
        scanner.skipSpaces()
        guard scanner.isAtEnd else { throw InfermonError.invalidArgument("unexpected text after matchers in \(text)") }
        return result
    }
}

/// A hand-written scanner: the grammar is four operators and a quoted string.
private struct MatcherScanner {
    let scalars: [Unicode.Scalar]
    var index = 0

    init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

    var isAtEnd: Bool { index >= scalars.count }

    mutating func skipSpaces() {
        while index < scalars.count, scalars[index] == " " || scalars[index] == "\t" { index += 1 }
    }

    mutating func consume(_ text: String) -> Bool {
        let wanted = Array(text.unicodeScalars)
        guard index + wanted.count <= scalars.count, Array(scalars[index..<index + wanted.count]) == wanted else {
            return false
        }
        index += wanted.count
        return true
    }

    mutating func matcher() throws -> LabelMatcher {
        let start = index
        while index < scalars.count, Self.isNameScalar(scalars[index], first: index == start) { index += 1 }
        guard index > start else { throw InfermonError.invalidArgument("expected a label name in \(text)") }
        let name = String(String.UnicodeScalarView(scalars[start..<index]))
        skipSpaces()
        let op: LabelMatcher.Operator
        if consume("=~") {
            op = .matchRegex
        } else if consume("!~") {
            op = .notMatchRegex
        } else if consume("!=") {
            op = .notEqual
        } else if consume("=") {
            op = .equal
        } else {
            throw InfermonError.invalidArgument("expected =, !=, =~ or !~ after \(name) in \(text)")
        }
        skipSpaces()
        return try LabelMatcher(name, op, try value())
    }

    private mutating func value() throws -> String {
        guard index < scalars.count, scalars[index] == "\"" || scalars[index] == "'" else {
            // Unquoted: up to a comma, a closing brace or the end.
            let start = index
            while index < scalars.count, scalars[index] != ",", scalars[index] != "}" { index += 1 }
            var end = index
            while end > start, scalars[end - 1] == " " { end -= 1 }
            return String(String.UnicodeScalarView(scalars[start..<end]))
        }
        let quote = scalars[index]
        index += 1
        var out = String.UnicodeScalarView()
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            if scalar == quote { return String(out) }
            if scalar == "\\", index < scalars.count {
                let escaped = scalars[index]
                index += 1
                switch escaped {
                case "n": out.append("\n")
                case "t": out.append("\t")
                default: out.append(escaped)
                }
            } else {
                out.append(scalar)
            }
        }
        throw InfermonError.invalidArgument("unterminated string in \(text)")
    }

    private var text: String { String(String.UnicodeScalarView(scalars)) }

    private static func isNameScalar(_ scalar: Unicode.Scalar, first: Bool) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "_": return true
        case "0"..."9": return !first
        default: return false
        }
    }
}
