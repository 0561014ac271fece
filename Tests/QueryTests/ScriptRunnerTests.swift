import InfermonCore
import InfermonTesting
import Query
import Testing

/// The runner must be able to fail, or the script tests prove nothing.
struct ScriptRunnerTests {
    @Test func wrongExpectationsAreReported() throws {
        let script = try PromQLTestScript(
            """
            load 1m
              x{a="1"} 1 2 3

            eval instant at 2m x
              x{a="1"} 4

            eval instant at 2m x
              x{a="2"} 3

            eval instant at 2m x

            eval_fail instant at 2m x

            eval_fail instant at 0 x +
              expected_fail_message something else

            eval range from 0 to 2m step 1m x
              x{a="1"} 1 _ 3

            eval_ordered instant at 0 sort_desc(x or vector(5))
              x{a="1"} 1
              {} 5
            """, file: "wrong.test")
        let failures = script.run()
        #expect(failures.count == 7, "\(failures)")
        #expect(failures.allSatisfy { $0.hasPrefix("wrong.test:") })
    }

    @Test func rightExpectationsPass() throws {
        let script = try PromQLTestScript(
            """
            load 1m
              x{a="1"} 1+1x2
              y 0-2x2 _x2 stale 5

            eval instant at 2m x
              x{a="1"} 3

            eval range from 0 to 6m step 1m y
              y 0 -2 -4 -4 -4 _ 5
            """, file: "right.test")
        #expect(script.run() == [])
    }

    @Test func badScriptsNameTheLine() {
        #expect(throws: InfermonError.self) { try PromQLTestScript("load 1m\n  x 1 two", file: "bad.test") }
        #expect(throws: InfermonError.self) { try PromQLTestScript("\n\nfrobnicate", file: "bad.test") }
        do {
            _ = try PromQLTestScript("\n\nfrobnicate", file: "bad.test")
        } catch let error as InfermonError {
            #expect(error.location == InfermonCore.SourceLocation(file: "bad.test", line: 3, column: 1))
        } catch {}
    }
}
