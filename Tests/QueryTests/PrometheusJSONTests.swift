import InfermonCore
import Query
import Testing

struct PrometheusJSONTests {
    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func vector() {
        let result = QueryResult.vector([
            InstantSample(labels: Labels(name: "up", ["job": "a\"b"]), timestamp: 1_712_345_678_123, value: 42),
            InstantSample(labels: Labels(), timestamp: 1_712_345_678_000, value: .nan),
        ])
        #expect(
            text(PrometheusJSON.encode(result))
                == #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"a\"b"},"value":[1712345678.123,"42"]},{"metric":{},"value":[1712345678,"NaN"]}]}}"#
        )
    }

    @Test func matrixScalarAndString() {
        let matrix = QueryResult.matrix([
            Series(labels: Labels(["a": "1"]), samples: [Sample(1_000, .infinity), Sample(2_100, -.infinity)])
        ])
        #expect(
            text(PrometheusJSON.encode(matrix))
                == #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"a":"1"},"values":[[1,"+Inf"],[2.100,"-Inf"]]}]}}"#
        )
        #expect(
            text(PrometheusJSON.encode(.scalar(Sample(1_005, 0.5))))
                == #"{"status":"success","data":{"resultType":"scalar","result":[1.005,"0.5"]}}"#)
        #expect(
            text(PrometheusJSON.encode(.string("x\ny", at: 0), warnings: ["careful"]))
                == #"{"status":"success","data":{"resultType":"string","result":[0,"x\ny"]},"warnings":["careful"]}"#)
        #expect(
            text(PrometheusJSON.encode(.vector([])))
                == #"{"status":"success","data":{"resultType":"vector","result":[]}}"#)
    }

    @Test func negativeTimestamps() {
        #expect(
            text(PrometheusJSON.encode(.scalar(Sample(-1_500, 1))))
                == #"{"status":"success","data":{"resultType":"scalar","result":[-1.500,"1"]}}"#)
    }

    @Test func errorsCarryTypeAndStatus() throws {
        do {
            _ = try PromQL.parse("foo +")
        } catch {
            let (status, body) = PrometheusJSON.encode(error: error)
            #expect(status == 400)
            #expect(
                text(body)
                    == #"{"status":"error","errorType":"bad_data","error":"1:6: parse error: unexpected end of input"}"#
            )
        }
        #expect(PrometheusJSON.encode(error: InfermonError.timeout("slow")).status == 503)
        #expect(PrometheusJSON.errorType(of: InfermonError.timeout("slow")) == .timeout)
        #expect(PrometheusJSON.errorType(of: InfermonError.limitExceeded("big")) == .execution)
        #expect(PrometheusJSON.errorType(of: InfermonError.invalidInput("many-to-many")) == .execution)
        #expect(PrometheusJSON.encode(error: InfermonError.invalidInput("x")).status == 422)
        #expect(PrometheusJSON.errorType(of: InfermonError.storage("disk")) == .internal)
        #expect(PrometheusJSON.errorType(of: CancellationError()) == .canceled)
        #expect(
            text(PrometheusJSON.encodeError(.unavailable, "tab\there"))
                == #"{"status":"error","errorType":"unavailable","error":"tab\there"}"#)
    }

    @Test func floatsAreWrittenLikeGo() {
        let cases: [(Double, String)] = [
            (42, "42"), (0.1, "0.1"), (-0.0, "-0"), (0, "0"), (1e21, "1000000000000000000000"),
            (1.5e-7, "0.00000015"), (123456.789, "123456.789"),
            (5e-324, "0." + String(repeating: "0", count: 323) + "5"),
            (0.30000000000000004, "0.30000000000000004"), (1e100, "1" + String(repeating: "0", count: 100)),
            (-2.5e-3, "-0.0025"), (.nan, "NaN"), (.infinity, "+Inf"), (-.infinity, "-Inf"), (100, "100"),
        ]
        for (value, expected) in cases {
            #expect(formatPrometheusFloat(value) == expected, "\(value)")
        }
        #expect(parsePrometheusFloat("+Inf") == .infinity)
        #expect(parsePrometheusFloat("-inf") == -.infinity)
        #expect(parsePrometheusFloat("0x10") == 16)
        #expect(parsePrometheusFloat("1e3") == 1000)
        #expect(parsePrometheusFloat("NaN")?.isNaN == true)
        #expect(parsePrometheusFloat("abc") == nil)
    }
}
