import InfermonCore
import Query

/// A test file in the style of Prometheus's promqltest:
///
/// ```
/// load 5m
///   http_requests{job="api", instance="0"}  0+10x10
///   other 1 _ stale 3x2 0-1x3
/// clear
/// eval instant at 50m sum by (job) (http_requests)
///   {job="api"} 100
/// eval range from 0 to 10m step 5m http_requests
///   http_requests{job="api", instance="0"} 0 10 20
/// eval_fail instant at 0m foo +
///   expected_fail_message 1:6: parse error: unexpected end of input
/// eval_ordered instant at 50m sort(http_requests)
/// load_sketches 1m
///   latency{model="a"} [0.1 0.2 0.3] _ [0.4]
/// ```
///
/// Series values use the expanding notation: `a+bxn` is `a, a+b, …, a+n·b`,
/// `axn` repeats `a` n+1 times, `_` is a missing sample, `_xn` n of them, and
/// `stale` a staleness marker. Samples of `load <interval>` sit at 0, interval, ….
/// `load_sketches` (infermon) stamps one sketch per interval from the listed observations.
public struct PromQLTestScript: Sendable {
    enum Command: Sendable {
        case load(interval: Int64, series: [(labels: Labels, values: [Double?])], line: Int)
        case loadSketches(interval: Int64, series: [(labels: Labels, points: [[Double]?])], line: Int)
        case clear
        case eval(Eval)
    }

    struct Eval: Sendable {
        enum Kind: Sendable {
            case instant(at: Timestamp)
            case range(start: Timestamp, end: Timestamp, step: Int64)
        }

        var kind: Kind
        var expression: String
        var expectFailure: Bool
        var ordered: Bool
        var failMessage: String?
        var failPattern: String?
        /// (labels or nil for a scalar, values) per expected line.
        var expected: [(labels: Labels?, values: [Double?])]
        var line: Int
    }

    let file: String
    let commands: [Command]

    /// Parses a script; errors name `file:line`.
    public init(_ text: String, file: String) throws {
        self.file = file
        var commands: [Command] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var index = 0
        func fail(_ message: String, _ line: Int) -> InfermonError {
            .invalidInput(message, at: SourceLocation(file: file, line: line, column: 1))
        }
        /// The block of indented or non-command lines that follows a command.
        func block() -> [(text: String, line: Int)] {
            var body: [(String, Int)] = []
            while index < lines.count {
                let raw = lines[index]
                let trimmed = raw.trimmingSpaces
                if trimmed.isEmpty || Self.isCommand(trimmed) && raw.first != " " && raw.first != "\t" { break }
                index += 1
                if trimmed.hasPrefix("#") { continue }
                body.append((trimmed, index))
            }
            return body
        }
        while index < lines.count {
            let text = lines[index].trimmingSpaces
            index += 1
            let lineNumber = index
            if text.isEmpty || text.hasPrefix("#") { continue }
            let words = text.split(separator: " ", maxSplits: 1).map(String.init)
            switch words[0] {
            case "load", "load_sketches":
                guard words.count == 2, let interval = TimeParsing.durationMillis(words[1].trimmingSpaces) else {
                    throw fail("expected `\(words[0]) <interval>`", lineNumber)
                }
                if words[0] == "load" {
                    let series = try block().map { entry in
                        let (labels, rest) = try Self.splitSeries(entry.text, file: file, line: entry.line)
                        return (labels, try Self.expand(rest, file: file, line: entry.line))
                    }
                    commands.append(.load(interval: interval, series: series, line: lineNumber))
                } else {
                    let series = try block().map { entry in
                        let (labels, rest) = try Self.splitSeries(entry.text, file: file, line: entry.line)
                        return (labels, try Self.sketchPoints(rest, file: file, line: entry.line))
                    }
                    commands.append(.loadSketches(interval: interval, series: series, line: lineNumber))
                }
            case "clear":
                commands.append(.clear)
            case "eval", "eval_fail", "eval_ordered":
                guard words.count == 2 else {
                    throw fail("expected `\(words[0]) instant at …` or `range …`", lineNumber)
                }
                var eval = try Self.parseEvalHead(words[1], file: file, line: lineNumber)
                eval.expectFailure = words[0] == "eval_fail"
                eval.ordered = words[0] == "eval_ordered"
                for entry in block() {
                    if entry.text.hasPrefix("expected_fail_message ") {
                        eval.failMessage = String(entry.text.dropFirst("expected_fail_message ".count))
                    } else if entry.text.hasPrefix("expected_fail_regexp ") {
                        eval.failPattern = String(entry.text.dropFirst("expected_fail_regexp ".count))
                    } else if let value = Self.parseNumber(entry.text) {
                        eval.expected.append((nil, [value]))
                    } else {
                        let (labels, rest) = try Self.splitSeries(entry.text, file: file, line: entry.line)
                        eval.expected.append((labels, try Self.expand(rest, file: file, line: entry.line)))
                    }
                }
                commands.append(.eval(eval))
            default:
                throw fail("unknown command \"\(words[0])\"", lineNumber)
            }
        }
        self.commands = commands
    }

    private static func isCommand(_ text: String) -> Bool {
        ["load ", "load_sketches ", "clear", "eval ", "eval_fail ", "eval_ordered "].contains { text.hasPrefix($0) }
    }

    /// `instant at <time> <expr>` or `range from <t> to <t> step <d> <expr>`.
    private static func parseEvalHead(_ text: String, file: String, line: Int) throws -> Eval {
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let location = SourceLocation(file: file, line: line, column: 1)
        func time(_ word: String) throws -> Timestamp {
            if let millis = TimeParsing.durationMillis(word) { return millis }
            if let seconds = Double(word) { return Timestamp((seconds * 1000).rounded()) }
            throw InfermonError.invalidInput("bad time \"\(word)\"", at: location)
        }
        func rest(after count: Int) -> String {
            var remainder = Substring(text)
            for _ in 0..<count {
                remainder = remainder.drop { $0 == " " }
                remainder = remainder.drop { $0 != " " }
            }
            return String(remainder).trimmingSpaces
        }
        if words.count >= 4, words[0] == "instant", words[1] == "at" {
            return Eval(
                kind: .instant(at: try time(words[2])), expression: rest(after: 3), expectFailure: false,
                ordered: false, expected: [], line: line)
        }
        if words.count >= 8, words[0] == "range", words[1] == "from", words[3] == "to", words[5] == "step",
            let step = TimeParsing.durationMillis(words[6])
        {
            return Eval(
                kind: .range(start: try time(words[2]), end: try time(words[4]), step: step),
                expression: rest(after: 7), expectFailure: false, ordered: false, expected: [], line: line)
        }
        throw InfermonError.invalidInput(
            "expected `instant at <time> <expr>` or `range from … to … step …`", at: location)
    }

    static func parseNumber(_ text: String) -> Double? {
        text.contains(" ") ? nil : parsePrometheusFloat(text)
    }

    /// Splits `metric{a="b"} rest` into labels and the rest of the line.
    static func splitSeries(_ text: String, file: String, line: Int) throws -> (Labels, String) {
        let characters = Array(text)
        var end = 0
        while end < characters.count, characters[end] != "{", characters[end] != " ", characters[end] != "\t" {
            end += 1
        }
        if end < characters.count, characters[end] == "{" {
            var quoted = false
            var escaped = false
            while end < characters.count {
                let character = characters[end]
                end += 1
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    quoted.toggle()
                } else if character == "}" && !quoted {
                    break
                }
            }
        }
        let descriptor = String(characters[..<end])
        let rest = String(characters[end...]).trimmingSpaces
        if descriptor == "{}" { return (Labels(), rest) }
        let location = SourceLocation(file: file, line: line, column: 1)
        guard case .selector(let selector) = try PromQL.parse(descriptor),
            selector.matchers.allSatisfy({ $0.op == .equal })
        else {
            throw InfermonError.invalidInput(
                "expected a series like metric{label=\"value\"}: \(descriptor)", at: location)
        }
        return (Labels(selector.matchers.map { Label($0.name, $0.value) }), rest)
    }

    /// Values in expanding notation; nil is a missing sample.
    static func expand(_ text: String, file: String, line: Int) throws -> [Double?] {
        var values: [Double?] = []
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) {
            let error = InfermonError.invalidInput(
                "bad series value \"\(word)\"", at: SourceLocation(file: file, line: line, column: 1))
            if word == "_" {
                values.append(nil)
            } else if word.hasPrefix("_x") {
                guard let count = Int(word.dropFirst(2)) else { throw error }
                values += [Double?](repeating: nil, count: count)
            } else if word == "stale" {
                values.append(Sample.staleNaN)
            } else if let times = word.lastIndex(of: "x") {
                guard let count = Int(word[word.index(after: times)...]) else { throw error }
                let head = String(word[..<times])
                var start = head
                var delta = 0.0
                // The delta's sign is the first + or - after the first character that is not an exponent's.
                let characters = Array(head)
                if let split = characters.indices.dropFirst().first(where: {
                    (characters[$0] == "+" || characters[$0] == "-") && characters[$0 - 1].lowercased() != "e"
                }) {
                    start = String(characters[..<split])
                    guard let parsed = parsePrometheusFloat(String(characters[split...])) else { throw error }
                    delta = parsed
                }
                guard let first = parsePrometheusFloat(start) else { throw error }
                for step in 0...count { values.append(first + Double(step) * delta) }
            } else {
                guard let value = parsePrometheusFloat(word) else { throw error }
                values.append(value)
            }
        }
        return values
    }

    /// `[0.1 0.2] _ [0.3]`: observations per interval; `_` has no sketch.
    static func sketchPoints(_ text: String, file: String, line: Int) throws -> [[Double]?] {
        var points: [[Double]?] = []
        var rest = Substring(text)
        while let first = rest.first(where: { $0 != " " }) {
            rest = rest.drop { $0 == " " }
            if first == "_" {
                points.append(nil)
                rest = rest.dropFirst()
                continue
            }
            guard first == "[", let close = rest.firstIndex(of: "]") else {
                throw InfermonError.invalidInput(
                    "expected [observations…] or _ in \"\(text)\"",
                    at: SourceLocation(file: file, line: line, column: 1))
            }
            let body = rest[rest.index(after: rest.startIndex)..<close]
            points.append(
                try body.split(separator: " ").map { word in
                    guard let value = parsePrometheusFloat(String(word)) else {
                        throw InfermonError.invalidInput(
                            "bad observation \"\(word)\"", at: SourceLocation(file: file, line: line, column: 1))
                    }
                    return value
                })
            rest = rest[rest.index(after: close)...]
        }
        return points
    }
}

extension String {
    var trimmingSpaces: String {
        String(
            drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }
                .reversed())
    }
}
