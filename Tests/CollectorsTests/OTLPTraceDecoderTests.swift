import Collectors
import InfermonCore
import InfermonTesting
import Testing

/// OTLP/HTTP trace bodies in both encodings: a request captured from the real
/// OpenTelemetry Python SDK exporter (protobuf), a hand-written request in the
/// OTLP JSON mapping, and bodies that must be refused.
@Suite("OTLP trace decoding")
struct OTLPTraceDecoderTests {
    /// Made by `scripts/otlp/emit_genai_spans.py --capture … --count 6 --base-time-ns 1800000000000000000`:
    /// six GenAI client spans, each with an HTTP server parent that has no GenAI attributes.
    @Test func protobufFromThePythonSDK() throws {
        let body = try TestFiles.read(testdataPath("otlp-python-sdk-traces.binpb"))
        let decoded = try OTLPTraceDecoder.decode(body: body, contentType: "application/x-protobuf")
        #expect(decoded.encoding == .protobuf)
        #expect(decoded.events.count == 6)
        #expect(decoded.ignoredSpans == 6)
        #expect(decoded.rejected.isEmpty)

        let byID = Dictionary(uniqueKeysWithValues: decoded.events.map { ($0.requestID ?? "", $0) })
        for index in 0..<6 {
            let event = try #require(byID["chatcmpl-e2e-\(index)"])
            let gpt = index % 2 == 0
            #expect(event.model == (gpt ? "gpt-4o-mini" : "llama-3.1-8b-instruct"))
            #expect(event.modelVersion == (gpt ? "gpt-4o-mini-2024-07-18" : ""))
            #expect(event.route == "chat")
            #expect(event.tenant == "tenant-\(index % 3)")
            #expect(event.promptTokens == 100 + index)
            #expect(event.completionTokens == 20 + index)
            #expect(event.finishReason == (index % 4 == 3 ? "length" : "stop"))
            // Child spans start 1 ms after the parent and last 250 + 10·index ms.
            let start: Int64 = 1_800_000_000_000 + Int64(index) * 1000 + 1
            #expect(event.timestamp == start + 250 + 10 * Int64(index))
            #expect(abs((event.latency ?? 0) - Double(250 + 10 * index) / 1000) < 1e-9)
            #expect(event.status == (index == 4 ? .error : .ok))
            #expect(event.errorType == (index == 4 ? "rate_limit_exceeded" : nil))
            let attributes = try #require(event.attributes)
            #expect(attributes.contains(#""service.name":"chat-gateway""#))
            #expect(attributes.contains(#""telemetry.sdk.language":"python""#))
            #expect(attributes.contains(#""gen_ai.request.temperature":0.2"#))
            #expect(attributes.contains(#""trace_id":""#) && attributes.contains(#""span_id":""#))
        }
    }

    @Test func handWrittenJSON() throws {
        let body = try TestFiles.read(testdataPath("otlp-genai-traces.json"))
        let decoded = try OTLPTraceDecoder.decode(body: body, contentType: "application/json; charset=utf-8")
        #expect(decoded.encoding == .json)
        #expect(decoded.events.map(\.model) == ["gpt-4o", "llama-3.1-70b", "mistral-small"])
        #expect(decoded.ignoredSpans == 2, "the HTTP server span and the tool span")
        #expect(decoded.rejected.map(\.index) == [4, 5])
        #expect(decoded.rejected[0].reason.contains("missing model"))
        #expect(decoded.rejected[1].reason.contains("gen_ai.usage.output_tokens"))

        let chat = decoded.events[0]
        #expect(chat.timestamp == 1_795_773_601_234)
        #expect(chat.latency == 1.234567891)
        #expect(chat.modelVersion == "gpt-4o-2024-08-06")
        #expect(chat.route == "chat")
        #expect(chat.tenant == "acme")
        #expect(chat.requestID == "chatcmpl-AbC123")
        #expect(chat.promptTokens == 1432)
        #expect(chat.completionTokens == 87)
        #expect(chat.cachedTokens == 1024)
        #expect(chat.finishReason == "stop")
        #expect(chat.status == .ok)
        #expect(chat.prompt == "Where is my order 4411?", "from the gen_ai.content.prompt span event")
        #expect(chat.response == "It ships tomorrow.")
        let attributes = try #require(chat.attributes)
        #expect(attributes.contains(#""service.name":"support-bot""#))
        #expect(attributes.contains(#""gen_ai.request.temperature":0.7"#))
        #expect(attributes.contains(#""trace_id":"5b8efff798038103d269b633813fc60c""#), "ids in lowercase hex")

        let timedOut = decoded.events[1]
        #expect(timedOut.status == .timeout)
        #expect(timedOut.errorType == "timeout")
        #expect(timedOut.latency == 30)
        let extra = try #require(timedOut.attributes)
        #expect(extra.contains(####""gen_ai.request.stop_sequences":["###","END"]"####))
        #expect(extra.contains(#""app.flags":{"beta":true}"#))
        #expect(extra.contains(#""app.signature":"3q2+7w==""#))
        #expect(extra.contains(#""service.name":"batch-summarizer""#), "each resource's own attributes")

        // No response id: the span identity stands in, so an exporter's retry is recognised.
        #expect(decoded.events[2].requestID == "0af7651916cd43dd8448eb211c80319f-b7ad6b7169203334")
    }

    @Test func snakeCaseNamesAndNumbersWhereStringsAreUsual() throws {
        let body = """
            {"resource_spans":[{"scope_spans":[{"spans":[{"trace_id":"0102030405060708090a0b0c0d0e0f10",
            "span_id":"0102030405060708","name":"chat","start_time_unix_nano":1795773600000000000,
            "end_time_unix_nano":"1795773600500000000","status":{"code":"STATUS_CODE_ERROR","message":"boom"},
            "attributes":[{"key":"gen_ai.request.model","value":{"string_value":"m"}},
            {"key":"gen_ai.usage.input_tokens","value":{"int_value":7}}]}]}]}]}
            """
        let decoded = try OTLPTraceDecoder.decode(body: Array(body.utf8), contentType: "application/json")
        let event = try #require(decoded.events.first)
        #expect(event.model == "m")
        #expect(event.promptTokens == 7)
        #expect(event.status == .error)
        #expect(event.errorType == "boom")
        #expect(event.latency == 0.5)
    }

    @Test func emptyRequestsAreValid() throws {
        let protobuf = try OTLPTraceDecoder.decode(body: [], contentType: "application/x-protobuf")
        #expect(protobuf.events.isEmpty && protobuf.rejected.isEmpty && protobuf.ignoredSpans == 0)
        let json = try OTLPTraceDecoder.decode(body: Array("{}".utf8), contentType: "application/json")
        #expect(json.events.isEmpty && json.ignoredSpans == 0)
    }

    @Test func spansBuiltFieldByFieldInProtobuf() throws {
        let span = ProtobufWriter.span(
            traceID: Array(1...16), spanID: Array(1...8), name: "chat qwen", start: 1_795_773_600_000_000_000,
            end: 1_795_773_600_750_000_000,
            attributes: [
                ProtobufWriter.attribute("gen_ai.request.model", string: "qwen2.5-7b"),
                ProtobufWriter.attribute("gen_ai.usage.output_tokens", int: 42),
                ProtobufWriter.attribute("gen_ai.request.top_p", double: 0.9),
            ])
        let decoded = try OTLPTraceDecoder.decode(
            body: ProtobufWriter.request(spans: [span]), contentType: "application/x-protobuf")
        let event = try #require(decoded.events.first)
        #expect(event.model == "qwen2.5-7b")
        #expect(event.completionTokens == 42)
        #expect(event.latency == 0.75)
        #expect(event.requestID == "0102030405060708090a0b0c0d0e0f10-0102030405060708")
        #expect(event.attributes?.contains(#""gen_ai.request.top_p":0.9"#) == true)
    }
}

/// Bodies that are not OTLP must be refused as a whole, with the right kind of error.
@Suite("OTLP malformed input")
struct OTLPMalformedInputTests {
    func expectError(
        _ kind: OTLPDecodingError.Kind, _ body: [UInt8], _ contentType: String, containing text: String = "",
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        do {
            let decoded = try OTLPTraceDecoder.decode(body: body, contentType: contentType)
            Issue.record("decoded \(decoded.events.count) events instead of failing", sourceLocation: sourceLocation)
        } catch {
            #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
            #expect(error.message.contains(text), "\(error.message)", sourceLocation: sourceLocation)
        }
    }

    @Test func unsupportedContentTypes() {
        for type in ["text/plain", "application/grpc", "", "application/jsonl"] {
            expectError(.unsupportedContentType, Array("{}".utf8), type)
        }
    }

    @Test func brokenProtobuf() throws {
        let fixture = try TestFiles.read(testdataPath("otlp-python-sdk-traces.binpb"))
        expectError(.malformed, Array(fixture.prefix(fixture.count / 2)), "application/x-protobuf")
        // Field 1 with wire type 7, which does not exist.
        expectError(.malformed, [0x0F, 0x01], "application/x-protobuf")
        // A length prefix larger than the body.
        expectError(.malformed, [0x0A, 0xFF, 0x01, 0x00], "application/x-protobuf")
        // A span name that is not UTF-8.
        let span = ProtobufWriter.span(
            traceID: Array(1...16), spanID: Array(1...8), nameBytes: [0x63, 0xFF, 0xFE], start: 1, end: 2,
            attributes: [])
        expectError(.malformed, ProtobufWriter.request(spans: [span]), "application/x-protobuf")
    }

    @Test func nestingBeyondTheLimitIsRefusedNotFollowed() {
        var value = ProtobufWriter.field(1, Array("leaf".utf8))  // AnyValue{string_value}
        for _ in 0..<200 {
            value = ProtobufWriter.field(5, ProtobufWriter.field(1, value))  // AnyValue{array_value{values}}
        }
        let attribute = ProtobufWriter.field(1, Array("deep".utf8)) + ProtobufWriter.field(2, value)
        let span = ProtobufWriter.span(
            traceID: Array(1...16), spanID: Array(1...8), name: "x", start: 1, end: 2, attributes: [attribute])
        expectError(.malformed, ProtobufWriter.request(spans: [span]), "application/x-protobuf")

        let deepJSON =
            String(repeating: #"{"arrayValue":{"values":["#, count: 200) + "{}"
            + String(repeating: "]}}", count: 200)
        let body =
            #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"k","value":"# + deepJSON + "}]}]}]}]}"
        expectError(.malformed, Array(body.utf8), "application/json")
    }

    @Test func brokenJSON() {
        let cases: [(String, String)] = [
            (#"{"resourceSpans":["#, "not valid JSON"),
            ("[]", "expected an object"),
            (#"{"resourceSpans":{}}"#, "resourceSpans: expected a list"),
            (#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"abc"}]}]}]}"#, "traceId: expected 32 hex digits"),
            (
                #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"zz19b7ec3c1b1740"}]}]}]}"#,
                "spans[0].spanId: expected 16 hex digits"
            ),
            (
                #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"-5"}]}]}]}"#,
                "startTimeUnixNano: expected an unsigned 64-bit integer"
            ),
            (
                #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"value":{"stringValue":"x"}}]}]}]}]}"#,
                "attributes[0]: attribute without a key"
            ),
            (
                #"{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"k","value":{"intValue":"1.5"}}]}]}]}]}"#,
                "intValue must be a 64-bit integer"
            ),
            (#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":"SPAN_KIND_SIDEWAYS"}]}]}]}"#, "kind"),
        ]
        for (body, message) in cases {
            expectError(.malformed, Array(body.utf8), "application/json", containing: message)
        }
        expectError(.malformed, [0x7B, 0xFF, 0x7D], "application/json", containing: "UTF-8")
    }
}
