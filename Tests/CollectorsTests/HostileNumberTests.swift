import Collectors
import InfermonCore
import InfermonTesting
import Testing

/// Numbers that are valid JSON but no time or count at all: each must become a
/// rejected line with its reason, never a trap in a conversion (which took the
/// whole daemon down, and with a file source, put it in a crash loop).
@Suite("Hostile numbers")
struct HostileNumberTests {
    @Test(arguments: [1e25, 1e300, 9.3e24, -.infinity, .nan, -1, 0])
    func epochNumbersThatAreNoTime(value: Double) {
        #expect(TimeParsing.epochMillis(value) == nil, "\(value)")
    }

    @Test func epochNumbersAtTheEdgesOfEachUnit() {
        #expect(TimeParsing.epochMillis(1_795_830_531) == 1_795_830_531_000)
        #expect(TimeParsing.epochMillis(1_795_830_531_000_000_000) == 1_795_830_531_000)
        // The largest nanosecond count that still fits a millisecond Int64.
        #expect(TimeParsing.epochMillis(9.2e24) == 9_200_000_000_000_000_000)
    }

    static let lines: [(profile: ProfileKind, line: String, reason: String)] = [
        (.native, #"{"timestamp":1e25,"model":"m"}"#, "timestamp"),
        (.native, #"{"ts":-5,"model":"m"}"#, "ts is not"),
        (.native, #"{"timestamp":1700000000,"model":"m","prompt_tokens":1e19}"#, "whole number"),
        (.native, #"{"timestamp":1700000000,"model":"m","latency_ms":1e309}"#, "latency"),
        (.litellm, #"{"endTime":1e25,"startTime":1,"model":"m"}"#, "missing timestamp"),
        (
            .otelGenAI, #"{"timestamp":1700000000000,"gen_ai.request.model":"m","gen_ai.usage.input_tokens":1e19}"#,
            "10^15"
        ),
        (
            .otelGenAI, #"{"timestamp":1700000000000,"gen_ai.request.model":"m","gen_ai.usage.output_tokens":1e308}"#,
            "10^15"
        ),
    ]

    @Test(arguments: 0..<lines.count)
    func hostileLinesAreRejectedWithAReason(index: Int) {
        let (kind, line, reason) = Self.lines[index]
        do {
            let event = try kind.makeProfile().decode(line)
            Issue.record("\(line) decoded into \(event)")
        } catch {
            #expect(error.reason.contains(reason), "\(line): \(error.reason)")
        }
    }

    @Test func otlpTokenCountsThatAreNoCountRejectTheSpanAlone() throws {
        func span(_ id: UInt8, _ attribute: [UInt8]) -> [UInt8] {
            ProtobufWriter.span(
                traceID: Array(repeating: id, count: 16), spanID: Array(repeating: id, count: 8), name: "chat",
                start: 1_700_000_000_000_000_000, end: 1_700_000_000_500_000_000,
                attributes: [ProtobufWriter.attribute("gen_ai.request.model", string: "m"), attribute])
        }
        let body = ProtobufWriter.request(spans: [
            span(1, ProtobufWriter.attribute("gen_ai.usage.input_tokens", double: 1e308)),
            span(2, ProtobufWriter.attribute("gen_ai.usage.input_tokens", int: 10)),
            span(3, ProtobufWriter.attribute("gen_ai.usage.output_tokens", double: 1e19)),
            span(4, ProtobufWriter.attribute("gen_ai.usage.output_tokens", int: .max)),
        ])
        let decoded = try OTLPTraceDecoder.decode(body: body, contentType: "application/x-protobuf")
        #expect(decoded.events.map(\.promptTokens) == [10])
        #expect(decoded.rejected.map(\.index) == [0, 2, 3])
    }
}

/// The out-of-bounds rule on every decoding path that knows its line.
@Suite("Timestamp policy")
struct TimestampPolicyTests {
    static let now: Timestamp = 1_800_000_000_000

    @Test func boundsAndTheirReasons() {
        let policy = TimestampPolicy(futureTolerance: .seconds(300))
        #expect(policy.violation(Self.now + 300_000, now: Self.now) == nil)
        #expect(policy.violation(Self.now - 400 * 86_400_000, now: Self.now) == nil, "late is accepted")
        #expect(policy.violation(Self.now + 300_001, now: Self.now)?.contains("ahead of this host's clock") == true)
        #expect(policy.violation(-1, now: Self.now)?.contains("before 1970") == true)
    }

    @Test func fileLinesFromTheFutureAreDeadLettersAndTheirNeighboursStay() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("app.jsonl")
        let far = TimeParsing.formatRFC3339(Self.now + 86_400_000)
        try TestFiles.append(
            """
            {"timestamp":\(Self.now - 1000),"request_id":"a","model":"m"}
            {"timestamp":"2200-01-01T00:00:00Z","request_id":"b","model":"m"}
            {"timestamp":"\(far)","request_id":"c","model":"m"}
            {"timestamp":"0001-01-01T00:00:00Z","request_id":"d","model":"m"}
            {"timestamp":\(Self.now + 60_000),"request_id":"e","model":"m"}

            """, to: path)
        var batches: [IngestBatch] = []
        _ = try FileImporter.importFile(
            path: path, source: "s", profile: NativeProfile(), clock: ManualClock(now: Self.now)
        ) { batches.append($0) }
        let events = batches.flatMap(\.events)
        let letters = batches.flatMap(\.deadLetters)
        #expect(events.compactMap(\.requestID) == ["a", "e"], "inside the 5-minute tolerance is fine")
        #expect(letters.map(\.line) == [2, 3, 4])
        #expect(letters.allSatisfy { $0.kind == .timestampOutOfRange && $0.location == path })
        #expect(letters[0].reason.contains("2200-01-01T00:00:00"), "\(letters[0].reason)")
    }

    @Test func pushedElementsAndSpansFromTheFutureAreRejectedAlone() throws {
        let body = """
            {"timestamp":\(Self.now),"request_id":"a","model":"m"}
            {"timestamp":\(Self.now + 3_600_000),"request_id":"b","model":"m"}
            """
        let pushed = try PushDecoder.decode(
            body: Array(body.utf8), profile: NativeProfile(), source: "http", location: "POST", now: Self.now)
        #expect(pushed.batch.events.map(\.requestID) == ["a"])
        #expect(pushed.batch.deadLetters.map(\.kind) == [.timestampOutOfRange])
        #expect(pushed.rejected.map(\.index) == [1])

        let nanos = UInt64(Self.now) * 1_000_000
        let spans = ProtobufWriter.request(spans: [
            ProtobufWriter.span(
                traceID: Array(repeating: 1, count: 16), spanID: Array(repeating: 1, count: 8), start: nanos,
                end: nanos + 1_000_000, attributes: [ProtobufWriter.attribute("gen_ai.request.model", string: "m")]),
            ProtobufWriter.span(
                traceID: Array(repeating: 2, count: 16), spanID: Array(repeating: 2, count: 8),
                start: nanos + 7_200_000_000_000, end: nanos + 7_201_000_000_000,
                attributes: [ProtobufWriter.attribute("gen_ai.request.model", string: "m")]),
        ])
        let decoded = try OTLPTraceDecoder.decode(
            body: spans, contentType: "application/x-protobuf", timestamps: TimestampPolicy(), now: Self.now)
        #expect(decoded.events.count == 1)
        #expect(decoded.outOfRange.map(\.index) == [1])
        #expect(decoded.outOfRange.first?.reason.contains("ahead of this host's clock") == true)
    }
}
