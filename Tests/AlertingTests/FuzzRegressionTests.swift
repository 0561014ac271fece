import Alerting
import InfermonCore
import Templates
import Testing

/// Inputs on which libFuzzer (`scripts/fuzz.sh`) crashed an alert template, fed
/// again byte for byte. The same bytes are in `Fuzz/regressions/template/`,
/// which `make test` also replays through the fuzz target.
@Suite struct FuzzRegressionTests {
    static func expand(_ text: String) throws -> String {
        try AlertTemplate(text, ruleName: "FuzzAlert").expand(labels: ["alertname": "FuzzAlert"], value: 0.5)
    }

    /// A width longer than an Int overflowed the digit count, a trap at run time
    /// of a rule file's annotation. Go gives up on such a verb.
    @Test func printfWidthBeyondIntIsNoVerbAsInGo() throws {
        #expect(try Self.expand(#"{{printf"%88888888888888888888"}}"#) == "%!(NOVERB)")
    }

    /// A `*` width from an argument was used as is: padding to Int.max trapped.
    @Test func printfStarWidthBeyondAMillionIsNotPadded() throws {
        #expect(try Self.expand(#"{{printf "%*d|" 9223372036854775807 7}}"#) == "7|")
    }

    /// A negative `*` precision reached `prefix(_:)`, which traps; Go treats it as no precision.
    @Test func printfNegativeStarPrecisionIsNoPrecision() throws {
        #expect(try Self.expand(#"{{printf "%.*s" -1 "abc"}}"#) == "abc")
    }

    /// A character constant ending in a backslash read past the end of the text.
    @Test func characterConstantEndingInABackslashIsUnterminated() {
        let error = #expect(throws: AlertTemplate.ParseError.self) { try AlertTemplate("{{'\\", ruleName: "FuzzAlert") }
        #expect(error?.message.hasSuffix("unterminated character constant") == true, "\(String(describing: error))")
    }

    /// A `{{define}}` inside a control structure that failed to parse left the
    /// definition's own variable scope in place; the enclosing `{{if}}` then
    /// removed a negative number of variables, a trap. Go refuses a nested define.
    @Test func aDefineInsideAnIfIsAnErrorNotATrap() {
        for text in [#"{{if 0}}{{define ""}}"#, #"{{with $x := 1}}{{if $x}}{{define "a"}}{{end}}{{end}}"#] {
            let error = #expect(throws: AlertTemplate.ParseError.self, "\(text)") {
                try AlertTemplate(text, ruleName: "FuzzAlert")
            }
            #expect(error?.message.contains("define") == true, "\(String(describing: error))")
        }
    }

    /// Lines ending in `\r` (here `\r\r`, and any CRLF file) were counted by
    /// libyaml but not by the line split that maps an expression error into the
    /// file: the literal block's first line lay past the end, and the range trapped.
    @Test func carriageReturnsBeforeALiteralBlockExpression() {
        let parsed = RuleFileParser.parse("groups:\n-\r\r rules:\n - expr: |\n    {", file: "r.yaml")
        #expect(parsed.groups.isEmpty && !parsed.errors.isEmpty)
    }

    /// A rule file saved with CRLF line ends whose literal-block expression does
    /// not parse: the error is where it is in the same file with LF line ends.
    @Test func crlfRuleFileExpressionErrorIsPlacedAsWithLineFeeds() {
        let lines = [
            "groups:", "  - name: g", "    rules:", "      - record: r", "        expr: |", "          sum(x", "",
        ]
        let crlf = RuleFileParser.parse(lines.joined(separator: "\r\n"), file: "r.yaml").errors.map(\.description)
        let lf = RuleFileParser.parse(lines.joined(separator: "\n"), file: "r.yaml").errors.map(\.description)
        #expect(crlf.count == 1 && crlf == lf && crlf.first?.hasPrefix("r.yaml:7:11: ") == true, "\(crlf) \(lf)")
    }
}
