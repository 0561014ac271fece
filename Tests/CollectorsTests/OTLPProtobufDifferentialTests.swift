import InfermonCore
import InfermonTesting
import SwiftProtobuf
import Testing

@testable import Collectors

/// The protobuf reader against the path it replaced: swift-protobuf's generated
/// messages, then the span mapping as it was written for them (kept below as
/// `LegacyOTLPSpanMapping`). For every generated body, and for every body broken
/// from one, both give the same events, rejections and counts, or both refuse it.
@Suite("OTLP protobuf reader against swift-protobuf")
struct OTLPProtobufDifferentialTests {
    let now = SystemWallClock().now()
    var nowNanos: UInt64 { UInt64(now) * 1_000_000 }

    /// The old path: the whole request as generated messages, then span by span.
    func reference(_ body: [UInt8]) -> Outcome {
        var options = BinaryDecodingOptions()
        options.messageDepthLimit = OTLPTraceDecoder.maxDepth
        options.discardUnknownFields = true
        guard let request = try? OTLPTraceRequest(serializedBytes: body, options: options) else { return .refused }
        var result = OTLPDecodedTraces(encoding: .protobuf)
        var index = 0
        for resourceSpans in request.resourceSpans {
            let resource = resourceSpans.resource.attributes.jsonMembers
            for scopeSpans in resourceSpans.scopeSpans {
                for span in scopeSpans.spans {
                    defer { index += 1 }
                    do {
                        if let event = try LegacyOTLPSpanMapping.event(span, resource: resource) {
                            if let reason = TimestampPolicy().violation(event.timestamp, now: now) {
                                result.outOfRange.append((index, "span \"\(span.name)\": \(reason)"))
                                continue
                            }
                            result.events.append(event)
                        } else {
                            result.ignoredSpans += 1
                        }
                    } catch {
                        result.rejected.append((index, "span \"\(span.name)\": \(error.reason)"))
                    }
                }
            }
        }
        return Outcome(result)
    }

    func reader(_ body: [UInt8]) -> Outcome {
        guard
            let decoded = try? OTLPTraceDecoder.decode(
                body: body, contentType: "application/x-protobuf", timestamps: TimestampPolicy(), now: now)
        else { return .refused }
        return Outcome(decoded)
    }

    func expectSame(_ body: [UInt8], _ what: @autoclosure () -> String) -> Outcome {
        let expected = reference(body)
        let actual = reader(body)
        #expect(actual == expected, "\(what()), body \(body.count) bytes: \(body.map { String($0, radix: 16) })")
        return expected
    }

    @Test func generatedRequests() {
        var tally = Tally()
        for seed in 0..<1500 {
            var generator = OTLPRequestGenerator(random: SplitMix64(state: UInt64(seed)), nowNanos: nowNanos)
            tally.count(expectSame(generator.request(), "seed \(seed)"))
        }
        // The generator must reach every outcome, or agreeing proves little.
        #expect(tally.refused > 20 && tally.events > 500 && tally.rejected > 50, "\(tally)")
        #expect(tally.outOfRange > 20 && tally.ignored > 200, "\(tally)")
    }

    @Test func brokenBodies() {
        var tally = Tally()
        for seed in 0..<1500 {
            var generator = OTLPRequestGenerator(random: SplitMix64(state: UInt64(seed) + 1 << 40), nowNanos: nowNanos)
            let body = generator.request()
            guard !body.isEmpty else { continue }
            var cut = body
            cut.removeLast(generator.int(1...min(body.count, 40)))
            tally.count(expectSame(cut, "seed \(seed) cut"))
            var flipped = body
            for _ in 0..<generator.int(1...3) {
                flipped[generator.int(0...body.count - 1)] ^= UInt8(truncatingIfNeeded: 1 << generator.int(0...7))
            }
            tally.count(expectSame(flipped, "seed \(seed) flipped"))
            var spliced = body
            let at = generator.int(0...body.count - 1)
            spliced.insert(contentsOf: generator.unknownField(), at: at)
            tally.count(expectSame(spliced, "seed \(seed) spliced at \(at)"))
            var overwritten = body
            overwritten[generator.int(0...body.count - 1)] = generator.pick([0x00, 0x80, 0xFF, 0x0C, 0x0B, 0x07])
            tally.count(expectSame(overwritten, "seed \(seed) overwritten"))
        }
        #expect(tally.refused > 1000 && tally.events > 500, "\(tally)")
    }

    /// Array values nested up to and past the limit, and groups nested likewise.
    @Test func depthLimitAtTheSameLevel() {
        typealias W = ProtobufWriter
        var outcomes: [Outcome] = []
        for levels in 26...32 {
            var generator = OTLPRequestGenerator(random: SplitMix64(state: 7), nowNanos: nowNanos)
            let attribute = generator.deepAttribute(levels: levels)
            let span = W.span(
                traceID: Array(1...16), spanID: Array(1...8), name: "x", start: 1, end: 2, attributes: [attribute])
            outcomes.append(expectSame(W.request(spans: [span]), "\(levels) levels of arrays"))
        }
        #expect(outcomes.contains(.refused) && outcomes.contains { $0 != .refused })
        for groups in 56...62 {
            var group: [UInt8] = []
            for _ in 0..<groups { group = W.varint(20 << 3 | 3) + group + W.varint(20 << 3 | 4) }
            let span = W.field(9, W.field(1, Array("gen_ai.x".utf8)) + group) + W.field(5, Array("g".utf8))
            _ = expectSame(W.request(spans: [span]), "\(groups) groups")
        }
    }

    /// The mapping alone, as the `otel-genai` file profile calls it: flat attribute
    /// lists with every name it reads, nulls, duplicates, and values of every JSON kind.
    @Test func attributeLookupAgainstTheOldMapping() {
        let keys = GenAIAttributeLookup.Name.allCases.map(\.key) + ["x", "\u{212A}", "gen_ai.é", "timestamp "]
        let values: [JSONValue] = [
            .null, .bool(true), .number(3), .number(-1), .number(0.25), .number(1e16), .string(""), .string("7"),
            .string("gpt-4o"), .string("timeout"), .string(#"[{"content":"hi"}]"#), .string("a\"\\\n\u{1}é"),
            .array([.string("stop")]), .array([]), .object([("content", .string("ok")), ("k", .null)]),
        ]
        var random = SplitMix64(state: 99)
        var outcomes = Set<String>()
        for _ in 0..<20_000 {
            var attributes: [(key: String, value: JSONValue)] = []
            for _ in 0..<Int(random.next() % 12) {
                attributes.append(
                    (keys[Int(random.next() % UInt64(keys.count))], values[Int(random.next() % UInt64(values.count))]))
            }
            let span = OTelSpanFields(
                start: random.next() % 3 == 0 ? nil : 1_700_000_000_000,
                end: random.next() % 3 == 0 ? nil : 1_700_000_000_500,
                isError: random.next() % 4 == 0, statusMessage: random.next() % 2 == 0 ? nil : "boom", spanName: "s")
            let expected = Result { try LegacyOTelGenAIMapping.event(attributes: attributes, span: span) }
            let actual = Result { try OTelGenAIMapping.event(attributes: attributes, span: span) }
            switch (expected, actual) {
            case (.success(let old), .success(let new)):
                #expect(old == new, "\(attributes)")
                outcomes.insert("event")
            case (.failure(let old), .failure(let new)):
                #expect("\(old)" == "\(new)", "\(attributes)")
                outcomes.insert("error")
            default: Issue.record("\(expected) against \(actual) for \(attributes)")
            }
        }
        #expect(outcomes == ["event", "error"])
    }

    @Test func theCapturedPythonSDKRequest() throws {
        let body = try TestFiles.read(testdataPath("otlp-python-sdk-traces.binpb"))
        let outcome = expectSame(body, "the fixture")
        #expect(outcome != .refused)
        for length in stride(from: 0, to: body.count, by: 7) {
            _ = expectSame(Array(body.prefix(length)), "cut at \(length)")
        }
    }
}

/// What a decode gave, in a comparable form.
enum Outcome: Equatable {
    case refused
    case decoded(events: [InferenceEvent], rejected: [String], outOfRange: [String], ignored: Int)

    init(_ traces: OTLPDecodedTraces) {
        self = .decoded(
            events: traces.events, rejected: traces.rejected.map { "\($0.index): \($0.reason)" },
            outOfRange: traces.outOfRange.map { "\($0.index): \($0.reason)" }, ignored: traces.ignoredSpans)
    }
}

struct Tally: CustomStringConvertible {
    var refused = 0, events = 0, rejected = 0, outOfRange = 0, ignored = 0
    mutating func count(_ outcome: Outcome) {
        guard case .decoded(let events, let rejected, let outOfRange, let ignored) = outcome else {
            refused += 1
            return
        }
        self.events += events.count
        self.rejected += rejected.count
        self.outOfRange += outOfRange.count
        self.ignored += ignored
    }
    var description: String {
        "refused \(refused), events \(events), rejected \(rejected), out of range \(outOfRange), ignored \(ignored)"
    }
}
