import Collectors
import InfermonCore
import InfermonTesting
import Testing

@Suite("Profiles map real log formats onto events")
struct ProfileTests {
    static func lines(_ file: String) throws -> [String] {
        let path = testdataPath(file)
        return String(decoding: try TestFiles.read(path), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test func nativeReadsEveryDocumentedField() throws {
        let line = """
            {"timestamp":"2026-11-28T02:25:48.123Z","request_id":"r1","model":"gpt-4o","model_version":"2024-08-06",\
            "route":"/v1/chat/completions","tenant":"acme","status":"ok","latency_ms":1234.5,"ttft_ms":210,\
            "prompt_tokens":1000,"completion_tokens":200,"cached_tokens":512,"cache_write_tokens":128,"reasoning_tokens":64,\
            "cost_usd":0.0042,\
            "finish_reason":"length","stream":true,"prompt":"Hi \\"there\\"\\n","response":"Hello\\u00e9",\
            "context":["doc one","doc two"],"features":{"country":"de","age":41,"vip":true},"prediction":0.87,\
            "label":"fraud","feedback":"down","gateway_node":"eu-1","extra":{"a":[1,2,{"b":null}]}}
            """
        let event = try NativeProfile().decode(line)
        #expect(event.timestamp == TimeParsing.rfc3339Millis("2026-11-28T02:25:48.123Z"))
        #expect(event.requestID == "r1")
        #expect(event.model == "gpt-4o" && event.modelVersion == "2024-08-06")
        #expect(event.route == "/v1/chat/completions" && event.tenant == "acme" && event.status == .ok)
        #expect(event.latency == 1.2345)
        #expect(event.timeToFirstToken == 0.21)
        #expect(event.promptTokens == 1000 && event.completionTokens == 200)
        #expect(event.cachedTokens == 512 && event.reasoningTokens == 64 && event.cacheWriteTokens == 128)
        #expect(event.cost == 0.0042)
        #expect(event.finishReason == "length" && event.streamed == true)
        #expect(event.prompt == "Hi \"there\"\n")
        #expect(event.response == "Helloé")
        #expect(event.context == "doc one\n\ndoc two")
        #expect(event.features["country"] == .category("de"))
        #expect(event.features["age"] == .number(41))
        #expect(event.features["vip"] == .category("true"))
        #expect(event.prediction == .number(0.87) && event.label == .category("fraud"))
        #expect(event.feedback == 0)
        // Unknown members survive byte for byte.
        #expect(event.attributes == #"{"gateway_node":"eu-1","extra":{"a":[1,2,{"b":null}]}}"#)
    }

    @Test(arguments: [
        (#"{"timestamp":1795830531.423,"model":"m"}"#, Int64(1_795_830_531_423)),
        (#"{"ts":1795830531423,"model":"m"}"#, Int64(1_795_830_531_423)),
        (#"{"time":1795830531423000,"model":"m"}"#, Int64(1_795_830_531_423)),
        (#"{"timestamp":"2026-11-28T03:25:48.5+01:00","model":"m"}"#, Int64(1_795_832_748_500)),
        (#"{"timestamp":"2026-11-28 02:25:48","model":"m"}"#, Int64(1_795_832_748_000)),
    ])
    func nativeTimestampForms(line: String, expected: Int64) throws {
        #expect(try NativeProfile().decode(line).timestamp == expected)
    }

    @Test func nativeStatusFromErrorTypeAndHTTPCodes() throws {
        #expect(
            try NativeProfile().decode(#"{"ts":1795830531,"model":"m","error_type":"rate_limit"}"#).status == .error)
        #expect(try NativeProfile().decode(#"{"ts":1795830531,"model":"m","status":504}"#).status == .timeout)
        #expect(try NativeProfile().decode(#"{"ts":1795830531,"model":"m","status":"cancelled"}"#).status == .canceled)
    }

    @Test func openAIGatewayLines() throws {
        let lines = try Self.lines("openai-gateway.jsonl")
        let chat = try OpenAIProfile().decode(lines[0])
        #expect(chat.model == "gpt-4o-mini" && chat.modelVersion == "gpt-4o-mini-2024-07-18")
        #expect(chat.requestID == "gw-7f3a" && chat.tenant == "acme" && chat.status == .ok)
        #expect(chat.promptTokens == 1520 && chat.completionTokens == 88 && chat.cachedTokens == 1024)
        #expect(chat.reasoningTokens == 0 && chat.cost == 0.00131 && chat.streamed == true)
        #expect(chat.latency == 1.8432 && chat.timeToFirstToken == 0.2125)
        #expect(chat.finishReason == "stop")
        #expect(chat.prompt == "You are a support assistant.\nWhere is my order 4411?")
        #expect(chat.response == "Your order 4411 shipped yesterday.")
        #expect(chat.attributes == #"{"client_ip":"10.0.4.7"}"#)

        let responses = try OpenAIProfile().decode(lines[1])
        #expect(responses.model == "o3-mini" && responses.timestamp == 1_795_770_901_000)
        #expect(responses.promptTokens == 36 && responses.completionTokens == 2048 && responses.reasoningTokens == 1792)
        #expect(responses.finishReason == "length")
        #expect(responses.response == "Assume finitely many primes p1..pn.")

        let limited = try OpenAIProfile().decode(lines[2])
        #expect(limited.status == .error && limited.errorType == "requests")
        #expect(limited.timestamp == TimeParsing.rfc3339Millis("2026-11-27T08:15:44Z"))
    }

    @Test func otelGenAIFlatAndSpanShapes() throws {
        let lines = try Self.lines("otel-genai.jsonl")
        let flat = try OTelGenAIProfile().decode(lines[0])
        #expect(flat.model == "gpt-4o" && flat.modelVersion == "gpt-4o-2024-08-06" && flat.route == "chat")
        #expect(flat.promptTokens == 420 && flat.completionTokens == 96 && flat.cachedTokens == 256)
        #expect(flat.finishReason == "stop" && flat.tenant == "initech" && flat.latency == 1.25)
        #expect(flat.cacheWriteTokens == nil)
        let written = try OTelGenAIProfile().decode(
            #"{"timestamp":1795830531000,"gen_ai.request.model":"claude-sonnet-4","gen_ai.usage.input_tokens":3000,"#
                + #""gen_ai.usage.output_tokens":10,"#
                + #""gen_ai.usage.cache_creation.input_tokens":2048,"gen_ai.usage.cache_read.input_tokens":512}"#)
        #expect(written.cacheWriteTokens == 2048 && written.cachedTokens == 512 && written.promptTokens == 3000)
        #expect(flat.requestID == "chatcmpl-9xyz")
        #expect(flat.attributes?.contains("\"server.address\":\"api.openai.com\"") == true)

        let span = try OTelGenAIProfile().decode(lines[1])
        #expect(span.timestamp == 1_795_773_602_500 && span.latency == 2.5)
        #expect(span.model == "claude-3-5-sonnet" && span.promptTokens == 1200 && span.completionTokens == 310)
        #expect(span.finishReason == "max_tokens" && span.tenant == "hooli" && span.status == .ok)

        let failed = try OTelGenAIProfile().decode(lines[2])
        #expect(failed.status == .error && failed.errorType == "429")
    }

    @Test func liteLLMStandardLoggingPayloads() throws {
        let lines = try Self.lines("litellm-standard-logging.jsonl")
        #expect(lines.count == 3)
        let success = try LiteLLMProfile().decode(lines[0])
        #expect(success.model == "gemini-2.5-flash" && success.status == .ok && success.tenant == "umbrella-analytics")
        #expect(success.promptTokens == 97 && success.completionTokens == 33 && success.cost == 0.00011160000000000002)
        #expect(success.timestamp == 1_795_830_532_009)
        #expect(abs(success.latency! - 0.58586) < 1e-5)
        // Not streamed: completionStartTime equals endTime and is not a first-token time.
        #expect(success.timeToFirstToken == nil && success.streamed == false)
        #expect(success.finishReason == "stop" && success.route == "completion")
        #expect(success.prompt?.hasPrefix("Extract entities as JSON") == true)
        #expect(success.attributes?.contains("\"custom_llm_provider\":\"gemini\"") == true)
        #expect(success.attributes?.contains("\"messages\"") == false)

        let failure = try LiteLLMProfile().decode(lines[1])
        #expect(failure.status == .error && failure.errorType == "RateLimitError" && failure.cost == 0)
        #expect(failure.tenant == "globex-search")

        let streamed = try LiteLLMProfile().decode(lines[2])
        #expect(streamed.streamed == true && streamed.model == "gpt-4o-mini")
        #expect(abs(streamed.timeToFirstToken! - 0.423458) < 1e-5)
        #expect(abs(streamed.latency! - 1.659231) < 1e-5)
        #expect(streamed.reasoningTokens == 0 && streamed.cost == 0.0001881)
    }

    @Test func encoderAndNativeProfileRoundTrip() throws {
        var original = InferenceEvent(
            timestamp: 1_795_830_531_423, requestID: "x\"y", model: "m", modelVersion: "v", route: "/r", tenant: "t",
            status: .timeout, errorType: "deadline", latency: 30, timeToFirstToken: nil, promptTokens: 12,
            completionTokens: 0, cost: 0.5, finishReason: nil, streamed: false, prompt: "p\n", response: nil)
        original.features = ["f": .number(1.5), "g": .category("x")]
        original.feedback = 1
        original.cacheWriteTokens = 7
        let decoded = try NativeProfile().decode(NativeEncoder.line(original))
        #expect(decoded == original)
    }
}

func testdataPath(_ name: String) -> String {
    let here = #filePath
    return String(here[..<here.lastIndex(of: "/")!]) + "/testdata/" + name
}
