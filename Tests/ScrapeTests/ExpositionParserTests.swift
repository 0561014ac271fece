import InfermonCore
import InfermonTesting
import Scrape
import Testing

func testdataPath(_ name: String) -> String {
    let here = #filePath
    return String(here[..<here.lastIndex(of: "/")!]) + "/testdata/" + name
}

func vllmPage() throws -> String {
    String(decoding: try TestFiles.read(testdataPath("vllm-metrics.txt")), as: UTF8.self)
}

func parse(_ text: String, _ format: ExpositionFormat = .prometheusText) throws(ExpositionError) -> Exposition {
    try ExpositionParser.parse(Array(text.utf8), format: format)
}

extension Exposition {
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.labels == Labels(name: name, labels) }?.value
    }
}

@Suite("Exposition parser")
struct ExpositionParserTests {
    static let model = ["engine": "0", "model_name": "meta-llama/Llama-3.1-8B-Instruct"]

    /// A vLLM 0.10 page as prometheus_client serves it: colons in names, HELP and
    /// TYPE for every family, `_created` gauges beside counters and histograms.
    @Test func vllmMetricsPage() throws {
        let text = try vllmPage()
        let exposition = try parse(text)
        // Every sample line except the creation times, counted without the parser.
        let sampleLines = text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.contains("_created") }
        #expect(exposition.samples.count == sampleLines.count)
        #expect(!exposition.samples.contains { $0.labels.name?.hasSuffix("_created") == true })
        #expect(exposition.duplicates == 0)

        #expect(exposition.value("vllm:num_requests_waiting", Self.model) == 3)
        #expect(exposition.value("vllm:num_requests_running", Self.model) == 7)
        #expect(exposition.value("vllm:kv_cache_usage_perc", Self.model) == 0.4172)
        #expect(exposition.value("vllm:prompt_tokens_total", Self.model) == 221_184)
        #expect(exposition.value("process_resident_memory_bytes") == 3_221_225_472)
        var stop = Self.model
        stop["finished_reason"] = "stop"
        #expect(exposition.value("vllm:request_success_total", stop) == 118)

        #expect(exposition.types["vllm:time_to_first_token_seconds"] == .histogram)
        #expect(exposition.types["vllm:prompt_tokens_total"] == .counter)
        #expect(exposition.types["http_request_size_bytes"] == .summary)
        let buckets = exposition.samples.filter { $0.labels.name == "vllm:time_to_first_token_seconds_bucket" }
        #expect(buckets.count == 23)
        #expect(buckets.map(\.value) == buckets.map(\.value).sorted(), "cumulative buckets")
        var infinity = Self.model
        infinity["le"] = "+Inf"
        let count = exposition.value("vllm:time_to_first_token_seconds_count", Self.model)
        #expect(count == 127)
        #expect(exposition.value("vllm:time_to_first_token_seconds_bucket", infinity) == count)
        #expect(exposition.value("vllm:time_to_first_token_seconds_sum", Self.model) == 9.731)
        #expect(exposition.value("http_request_size_bytes_count", ["handler": "/v1/chat/completions"]) == 129)
        let info = try #require(exposition.samples.first { $0.labels.name == "vllm:cache_config_info" })
        #expect(info.labels["num_gpu_blocks"] == "27910" && info.labels["enable_prefix_caching"] == "True")
    }

    @Test func labelEscapesAndSpacing() throws {
        let exposition = try parse(
            #"""
            # A plain comment, then a blank line.

            paths{file="C:\\temp\\x.log" , quote="say \"hi\"",newline="a\nb",other="\t",} 1
              indented_metric   2   
            no_labels{} 3
            windows_line{a="b"} 4\#r
            """#)
        let labels = exposition.samples[0].labels
        #expect(labels["file"] == #"C:\temp\x.log"#)
        #expect(labels["quote"] == #"say "hi""#)
        #expect(labels["newline"] == "a\nb")
        #expect(labels["other"] == #"\t"#, "an unknown escape is kept as written, as Prometheus does")
        #expect(exposition.value("indented_metric") == 2)
        #expect(exposition.value("no_labels") == 3)
        #expect(exposition.value("windows_line", ["a": "b"]) == 4)
    }

    @Test func specialValuesAndTimestamps() throws {
        let exposition = try parse(
            """
            a NaN
            b +Inf
            c -Inf
            d 1.5e-3 1795773600123
            e -0.25
            f Inf
            """)
        #expect(exposition.value("a")?.isNaN == true)
        #expect(exposition.value("b") == .infinity)
        #expect(exposition.value("c") == -.infinity)
        #expect(exposition.value("f") == .infinity)
        #expect(exposition.value("d") == 0.0015)
        #expect(exposition.samples[3].timestamp == 1_795_773_600_123)
        #expect(exposition.samples[0].timestamp == nil)
        #expect(exposition.value("e") == -0.25)
    }

    @Test func goStyleSummaryWithQuantiles() throws {
        let exposition = try parse(
            """
            # HELP go_gc_duration_seconds A summary of the wall-time pause (stop-the-world) duration in garbage collection cycles.
            # TYPE go_gc_duration_seconds summary
            go_gc_duration_seconds{quantile="0"} 2.5e-05
            go_gc_duration_seconds{quantile="0.5"} 5.1e-05
            go_gc_duration_seconds{quantile="1"} 0.000311
            go_gc_duration_seconds_sum 0.0182
            go_gc_duration_seconds_count 231
            """)
        #expect(exposition.samples.count == 5)
        #expect(exposition.value("go_gc_duration_seconds", ["quantile": "0.5"]) == 5.1e-05)
        #expect(exposition.value("go_gc_duration_seconds_count") == 231)
    }

    @Test func openMetricsBasics() throws {
        let exposition = try parse(
            """
            # TYPE requests counter
            # UNIT requests requests
            # HELP requests Requests served.
            requests_total{path="/a"} 12 1795773600.5 # {trace_id="4bf92f3577b34da6"} 1.0 1795773600.1
            requests_created{path="/a"} 1795770000.0
            # TYPE temperature gauge
            temperature 21.5
            # EOF
            after_eof 1
            """, .openMetrics)
        #expect(exposition.samples.map { $0.labels.name } == ["requests_total", "temperature"])
        #expect(exposition.samples[0].timestamp == 1_795_773_600_500, "OpenMetrics timestamps are seconds")
        #expect(exposition.value("requests_total", ["path": "/a"]) == 12)
    }

    @Test func contentTypeChoosesTheFormat() {
        #expect(
            ExpositionFormat(contentType: "application/openmetrics-text; version=1.0.0; charset=utf-8") == .openMetrics)
        #expect(ExpositionFormat(contentType: "text/plain; version=0.0.4") == .prometheusText)
        #expect(ExpositionFormat(contentType: nil) == .prometheusText)
    }

    @Test func duplicateSeriesKeepTheFirstSample() throws {
        let exposition = try parse("x{a=\"1\"} 1\nx{a=\"1\"} 2\nx{a=\"2\"} 3\n")
        #expect(exposition.samples.count == 2)
        #expect(exposition.value("x", ["a": "1"]) == 1)
        #expect(exposition.duplicates == 1)
    }

    @Test func malformedLinesFailTheWholeBodyWithTheirLineNumber() {
        let cases: [(String, String)] = [
            ("ok 1\nmissing_value\n", "line 2"),
            ("bad_value abc\n", "invalid value"),
            ("x{a=\"unterminated} 1\n", "unterminated"),
            ("x{a=unquoted} 1\n", "must be quoted"),
            ("x{a=\"1\",a=\"2\"} 1\n", "appears twice"),
            ("x{__name__=\"y\"} 1\n", "__name__"),
            ("1metric 1\n", "expected a metric name"),
            ("x 1 notatime\n", "invalid timestamp"),
            ("x 1 2 3\n", "unexpected text"),
            ("x 1 # {a=\"b\"} 1\n", "unexpected \"#\""),
            ("# TYPE x histogramm\nx 1\n", "unknown metric type"),
            ("x{a=\"1\" b=\"2\"} 1\n", "expected \",\" or \"}\""),
        ]
        for (body, message) in cases {
            do {
                let exposition = try parse(body)
                Issue.record("parsed \(exposition.samples.count) samples from \(body.debugDescription)")
            } catch {
                #expect(error.description.contains(message), "\(body.debugDescription): \(error)")
            }
        }
        do {
            _ = try ExpositionParser.parse(
                Array("x{a=\"".utf8) + [0xFF, 0xFE] + Array("\"} 1\n".utf8), format: .prometheusText)
            Issue.record("invalid UTF-8 in a label value was accepted")
        } catch {
            #expect(error.message.contains("UTF-8"))
        }
    }
}
