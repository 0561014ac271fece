import Alerting
import InfermonCore
import Testing

/// Errors name the file, line and column of the fault, and for expressions
/// the position inside the expression, wherever YAML put it.
@Suite struct RuleFileErrorTests {
    static func errors(_ text: String) -> [String] {
        RuleFileParser.parse(text, file: "r.yaml").errors.map(\.description)
    }

    @Test func expressionErrorsPointIntoTheExpression() {
        // Plain scalar: the column of the stray parenthesis.
        #expect(
            Self.errors("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == ) \n")
                == [#"r.yaml:5:21: group "g", rule 1, "A": could not parse expression: parse error: unexpected ")""#])
        // Quoted scalar: shifted past the quote.
        #expect(
            Self.errors("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: \"sum(x\"\n")[0].hasPrefix(
                "r.yaml:5:21:"))
        // Literal block: the line of the expression and its indentation.
        let block = """
            groups:
              - name: g
                rules:
                  - record: r
                    expr: |
                      sum by (job) (
                        rate(x[5m]) +
                      )
            """
        #expect(Self.errors(block).first?.hasPrefix("r.yaml:8:11:") == true, "\(Self.errors(block))")
    }

    @Test func everyProblemIsReportedWithItsPlace() {
        let text = """
            groups:
              - name: g
                rules:
                  - record: job:x
                    expr: sum(x)
                    for: 5m
                  - alert: B
                    expr: up == 0
                    labels: {9bad: x}
                    annotations: {summary: "{{ $labels.job "}
              - name: g
                rules: []
            """
        let errors = Self.errors(text)
        #expect(errors.count == 4, "\(errors)")
        #expect(errors.contains(#"r.yaml:4:17: group "g", rule 1, "job:x": invalid field 'for' in recording rule"#))
        #expect(errors.contains(#"r.yaml:9:24: group "g", rule 2, "B": invalid label name: 9bad"#))
        #expect(errors.contains { $0.hasPrefix("r.yaml:10:") && $0.contains("template: __alert_B:1: unclosed action") })
        #expect(errors.contains(#"r.yaml:11:5: groupname: "g" is repeated in the same file"#))
    }

    @Test func yamlSyntaxAndUnknownKeys() {
        #expect(Self.errors("groups:\n  - name: g\n    rule: []\n").first?.contains("r.yaml:3:5: ") == true)
        #expect(
            Self.errors("groups:\n  - name: g\n    rule: []\n").first?.contains(
                #"unknown key "rule" (did you mean "rules"?)"#) == true)
        #expect(Self.errors("groups: [\n").first?.hasPrefix("r.yaml:") == true)
        #expect(
            Self.errors("groups:\n  - name: g\n    interval: 1m30\n    rules: []\n") == [
                #"r.yaml:3:15: not a valid duration string: "1m30""#
            ])
    }
}
