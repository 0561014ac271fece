import InfermonCore
import Query
import Testing

struct ParserTests {
    func parseError(_ text: String, origin: InfermonCore.SourceLocation? = nil) -> InfermonError? {
        do {
            _ = try PromQL.parse(text, origin: origin)
            return nil
        } catch {
            return error as? InfermonError
        }
    }

    @Test func errorsInMultiLineExpressionsNameLineAndColumn() {
        let error = parseError("sum(\n  rate(foo)\n)")
        #expect(
            error?.message
                == #"2:8: parse error: expected type range vector in call to function "rate", got instant vector"#)
        #expect(error?.isInvalidArgument == true)
    }

    @Test func errorsAreMovedToTheRuleFilePosition() {
        let origin = InfermonCore.SourceLocation(file: "rules/latency.yaml", line: 12, column: 15)
        let sameLine = parseError("foo +", origin: origin)
        #expect(sameLine?.location == InfermonCore.SourceLocation(file: "rules/latency.yaml", line: 12, column: 20))
        #expect(sameLine?.message == "parse error: unexpected end of input")
        let laterLine = parseError("sum(\n  rate(foo)\n)", origin: origin)
        #expect(laterLine?.location == InfermonCore.SourceLocation(file: "rules/latency.yaml", line: 13, column: 8))
        #expect(laterLine?.description.hasPrefix("rules/latency.yaml:13:8: parse error:") == true)
    }

    @Test func columnsCountCharactersNotBytes() {
        #expect(parseError(#"foo{a="é"} +"#)?.message == "1:13: parse error: unexpected end of input")
    }

    @Test func emptyInputIsAnError() {
        #expect(parseError("  ")?.message == "1:3: parse error: no expression found in input")
    }

    @Test func stringEscapes() throws {
        let cases: [(String, String)] = [
            (#""a\nb""#, "a\nb"), (#"'it''s'"#, ""), (#"'say \'hi\''"#, "say 'hi'"), ("`raw\\n`", "raw\\n"),
            (#""\u00e9\x41\101\t""#, "éAA\t"), (#""\U0001F600""#, "😀"), (#""q\"q""#, "q\"q"),
        ]
        for (text, expected) in cases where !expected.isEmpty {
            #expect(try PromQL.parse(text) == .string(expected), "\(text)")
        }
        #expect(parseError(#""\'""#) != nil)
    }

    @Test func precedenceAndAssociativity() throws {
        guard case .binary(let sum) = try PromQL.parse("a + b * c ^ d ^ e") else {
            Issue.record("expected a binary expression")
            return
        }
        #expect(sum.op == .add)
        guard case .binary(let product) = sum.right, case .binary(let power) = product.right else {
            Issue.record("expected b * (c ^ (d ^ e))")
            return
        }
        #expect(product.op == .multiply)
        #expect(power.op == .power)
        guard case .binary(let inner) = power.right else {
            Issue.record("^ must be right-associative")
            return
        }
        #expect(inner.op == .power)
        guard case .binary(let or) = try PromQL.parse("a or b and c unless d") else { return }
        #expect(or.op == .or)
        guard case .binary(let unless) = or.right else { return }
        #expect(unless.op == .unless)
    }

    @Test func durationsAndOffsets() throws {
        guard case .rangeSelector(let selector, let range) = try PromQL.parse("foo[1h30m] offset -250ms") else {
            Issue.record("expected a range selector")
            return
        }
        #expect(range == 5_400_000)
        #expect(selector.offset == -250)
        guard case .subquery(let subquery) = try PromQL.parse("rate(foo[5m])[1d:] offset 1w") else { return }
        #expect(subquery.range == 86_400_000)
        #expect(subquery.step == nil)
        #expect(subquery.offset == 604_800_000)
    }

    /// A duration whose parts each fit in milliseconds but whose sum does not is
    /// a syntax error; it trapped the process (found by the template fuzzer).
    @Test func aDurationTooLongToAddUpIsASyntaxError() {
        #expect(throws: (any Error).self) { try PromQL.parse("rate(foo[153722867280912m1h])") }
        #expect(throws: (any Error).self) { try PromQL.parse("foo offset 33333333333150m133333333333150m") }
    }

    @Test func printedExpressionsParseBackToThemselves() throws {
        let queries = [
            #"sum by (job, le) (rate(http_requests_total{code=~"5..", path!="/x"}[5m] offset 1m))"#,
            #"histogram_quantile(0.99, sum without (instance) (rate(x_bucket[5m])))"#,
            "a / on (b) group_left (c, d) e", "a > bool ignoring (x) b", "-(a + 1) ^ 2",
            "topk(3, x) or vector(0)", "max_over_time(deriv(x[5m])[1h:5m])", "count_values(\"v\", x)",
            #"label_replace(x, "dst", "$1", "src", "(.*)")"#, "1e+100 * x", "vllm:num_requests_waiting > 10",
            #"{__name__=~"a|b", c="\"quoted\"\n"}"#, "sum(x) by (y)", "x offset -5m",
        ]
        for query in queries {
            let parsed = try PromQL.parse(query)
            #expect(try PromQL.parse(parsed.description) == parsed, "\(query) printed as \(parsed)")
        }
    }

    @Test func keywordsAreValidLabelNames() throws {
        _ = try PromQL.parse(#"sum by (on, by, offset) (x{and="1", bool="2"})"#)
    }

    @Test func typesOfExpressions() throws {
        #expect(try PromQL.parse("1 + 1").type == .scalar)
        #expect(try PromQL.parse("x + 1").type == .vector)
        #expect(try PromQL.parse("x[5m]").type == .matrix)
        #expect(try PromQL.parse("time()").type == .scalar)
        #expect(try PromQL.parse(#""s""#).type == .string)
    }
}
