import InfermonTesting

/// Random `ExportTraceServiceRequest` bodies written field by field, with what
/// an SDK sends (GenAI and HTTP spans, several resources and scopes, events,
/// links) and what one rarely does: fields repeated or out of order, singular
/// messages sent twice (merged), unknown fields of every wire type including
/// groups, known fields with another wire type, non-ASCII and broken UTF-8,
/// `AnyValue`s of every kind nested near the depth limit.
struct OTLPRequestGenerator {
    var random: SplitMix64
    /// Span times are drawn around it, so some fall outside the timestamp policy.
    let nowNanos: UInt64

    typealias W = ProtobufWriter

    mutating func chance(_ percent: Int) -> Bool { Int(random.next() % 100) < percent }
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(random.next() % UInt64(range.count))
    }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0...items.count - 1)] }

    static let genAIKeys = [
        "gen_ai.request.model", "gen_ai.response.model", "gen_ai.operation.name", "gen_ai.response.id",
        "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "gen_ai.usage.prompt_tokens",
        "gen_ai.usage.completion_tokens", "gen_ai.usage.cache_read.input_tokens",
        "gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.cost",
        "gen_ai.response.time_to_first_chunk", "gen_ai.server.time_to_first_token",
        "gen_ai.client.operation.duration", "gen_ai.response.finish_reasons", "gen_ai.input.messages",
        "gen_ai.output.messages", "gen_ai.prompt", "gen_ai.completion", "gen_ai.request.temperature",
        "gen_ai.system", "gen_ai.content.prompt",
    ]
    static let otherKeys = [
        "http.route", "tenant.id", "tenant", "request.id", "error.type", "cost_usd", "timestamp", "service.name",
        "trace_id", "span_id", "http.method", "app.flags", "gen_ai.", "gen_ai", "Gen_ai.x", "gen_ai.\u{301}x",
        "gen_ai.é", "ｇen_ai.x", "\u{212A}", "K", "", "net.peer.name",
    ]

    mutating func key() -> [UInt8] {
        if chance(1) && chance(20) { return [0x67, 0x65, 0x6E, 0xC3, 0x28] }  // not UTF-8
        return Array((chance(60) ? pick(Self.genAIKeys) : pick(Self.otherKeys)).utf8)
    }

    mutating func text() -> [UInt8] {
        switch int(0...9) {
        case 0: return []
        case 1: return Array("é漢字 \u{301}\"\\\n\t\u{1}<&>\u{2028}".utf8)
        case 2: return Array(#"[{"role":"user","content":"hi"},{"content":[{"text":"a"},{"text":"b"}]}]"#.utf8)
        case 3: return Array(#"{"content":"ok"}"#.utf8)
        case 4: return Array(pick(["chat", "execute_tool", "invoke_agent", "create_agent", "timeout"]).utf8)
        case 5: return Array(pick(["12", "-3", "1e20", "0.5", "x", "NaN"]).utf8)
        case 6 where chance(2): return [0xFF, 0x61]
        default: return Array(pick(["gpt-4o", "llama-3.1-8b", "stop", "length", "acme", "rate_limit"]).utf8)
        }
    }

    /// An `AnyValue` body; `room` is how many more messages may nest below it.
    mutating func anyValue(room: Int) -> [UInt8] {
        var out: [UInt8] = []
        for _ in 0..<(chance(8) ? 2 : 1) {
            switch int(0...11) {
            case 0, 1: out += W.field(1, text())
            case 2: out += W.varint(2 << 3) + W.varint(chance(50) ? 1 : random.next() % 3)
            case 3, 4:
                let value: Int64 = pick([0, 1, 42, -7, 1 << 50, Int64.min, Int64.max, Int64(int(0...100_000))])
                out += W.varint(3 << 3) + W.varint(UInt64(bitPattern: value))
            case 5:
                let value = pick([0.5, -0.0, 1e300, .nan, .infinity, -.infinity, 3.0, 1e15, 0.1])
                out += W.fixed64(4, value.bitPattern)
            case 6 where room > 2:
                var list: [UInt8] = []
                for _ in 0..<int(0...3) { list += W.field(1, anyValue(room: room - 2)) }
                out += W.field(5, list + (chance(5) ? unknownField() : []))
            case 7 where room > 2:
                var list: [UInt8] = []
                for _ in 0..<int(0...3) { list += W.field(1, keyValue(room: room - 2)) }
                out += W.field(6, list)
            case 8: out += W.field(7, (0..<int(0...5)).map { _ in UInt8(truncatingIfNeeded: random.next()) })
            case 9: out += W.varint(8 << 3) + W.varint(random.next() % 5)
            case 10: out += unknownField()
            default: break
            }
        }
        return out
    }

    mutating func keyValue(room: Int) -> [UInt8] {
        let name = key()
        var out = W.field(1, name)
        if chance(75) {
            out += W.field(2, plausibleValue(for: String(decoding: name, as: UTF8.self)))
        } else if chance(90) {
            out += W.field(2, anyValue(room: room - 1))
        }
        if chance(5) { out += W.field(2, anyValue(room: room - 1)) }  // merged into the first
        if chance(3) { out += W.field(1, key()) }  // last key wins
        if chance(3) { out += W.varint(3 << 3) + W.varint(4) }
        if chance(5) { out = unknownField() + out }
        return out
    }

    /// The kind of value an SDK sends for the key, so that most GenAI spans become events.
    mutating func plausibleValue(for key: String) -> [UInt8] {
        if key.contains("tokens") || key.contains("duration") || key.contains("cost") || key.contains("first") {
            return chance(70)
                ? W.varint(3 << 3) + W.varint(UInt64(int(0...5000)))
                : W.fixed64(4, (Double(int(0...1000)) / 8).bitPattern)
        }
        if key.contains("finish_reasons") {
            return W.field(5, W.field(1, W.field(1, Array(pick(["stop", "length"]).utf8))))
        }
        if key == "timestamp" { return W.varint(3 << 3) + W.varint(nowNanos / 1_000_000 - 5000) }
        return W.field(1, text())
    }

    /// An array nested `levels` deep (two messages a level) under a span attribute.
    mutating func deepAttribute(levels: Int) -> [UInt8] {
        var value = W.field(1, Array("leaf".utf8))
        for _ in 0..<levels { value = W.field(5, W.field(1, value)) }
        return W.field(1, Array("gen_ai.deep".utf8)) + W.field(2, value)
    }

    mutating func unknownField() -> [UInt8] {
        let number = UInt64(pick([17, 20, 99, 1000, 536_870_911]))
        switch int(0...5) {
        case 0: return W.varint(number << 3) + W.varint(random.next())
        case 1: return W.fixed64(number, random.next())
        case 2: return W.varint(number << 3 | 5) + [1, 2, 3, 4]
        case 3: return W.field(number, text())
        case 4: return W.varint(number << 3 | 3) + W.varint(7 << 3) + [1] + W.varint(number << 3 | 4)
        default: return W.varint(number << 3 | 3) + W.varint(number << 3 | 4)  // empty group
        }
    }

    /// A known field sent with a wire type its schema does not have, which is skipped.
    mutating func wrongWireType(_ number: UInt64) -> [UInt8] {
        chance(50) ? W.varint(number << 3 | 5) + [9, 9, 9, 9] : W.fixed64(number, 1)
    }

    mutating func span(room: Int) -> [UInt8] {
        var parts: [[UInt8]] = []
        let genAI = chance(70)
        let idLength = chance(90) ? 16 : int(0...17)
        parts.append(W.field(1, (0..<idLength).map { _ in UInt8(truncatingIfNeeded: random.next()) }))
        parts.append(
            W.field(2, (0..<(chance(90) ? 8 : int(0...9))).map { _ in UInt8(truncatingIfNeeded: random.next()) }))
        if chance(30) { parts.append(W.field(3, Array("k=v".utf8))) }
        if chance(30) { parts.append(W.field(4, [1, 2, 3, 4, 5, 6, 7, 8])) }
        parts.append(W.field(5, chance(1) ? [0x63, 0xFF] : Array(pick(["chat gpt-4o", "", "GET /v1", "é"]).utf8)))
        parts.append(W.varint(6 << 3) + W.varint(random.next() % 7))
        let start = chance(5) ? 0 : nowNanos &- UInt64(int(0...3_000_000)) * 1_000_000_000 &+ random.next() % 1_000_000
        let end = chance(5) ? 0 : start &+ random.next() % 5_000_000_000 &- (chance(10) ? 6_000_000_000 : 0)
        parts.append(W.fixed64(7, start))
        parts.append(W.fixed64(8, chance(3) ? nowNanos &+ 86_400_000_000_000 * 3 : end))
        for _ in 0..<int(0...6) { parts.append(W.field(9, keyValue(room: room - 1))) }
        if genAI {
            parts.append(W.field(9, W.attribute("gen_ai.request.model", string: pick(["gpt-4o", "", "m"]))))
            parts.append(W.field(9, W.attribute("gen_ai.usage.input_tokens", int: pick([10, 7, 1 << 60, 0]))))
        }
        if chance(3) { parts.append(W.field(9, deepAttribute(levels: int(26...31)))) }
        for _ in 0..<(chance(30) ? int(1...3) : 0) {
            var event =
                W.fixed64(1, start)
                + W.field(2, Array(pick(["gen_ai.content.prompt", "exception", "gen_ai.\u{301}"]).utf8))
            for _ in 0..<int(0...3) { event += W.field(3, keyValue(room: room - 2)) }
            if chance(20) { event += W.varint(4 << 3) + [2] }
            parts.append(W.field(11, event))
        }
        if chance(20) {
            var link = W.field(1, Array(repeating: 1, count: 16)) + W.field(2, Array(repeating: 2, count: 8))
            link += W.field(3, text()) + W.field(4, keyValue(room: room - 2)) + W.varint(6 << 3 | 5) + [0, 0, 0, 1]
            parts.append(W.field(13, link))
        }
        for number: UInt64 in [10, 12, 14] where chance(10) { parts.append(W.varint(number << 3) + [3]) }
        for _ in 0..<(chance(50) ? int(1...2) : 0) {
            var status: [UInt8] = []
            if chance(70) { status += W.varint(3 << 3) + W.varint(pick([0, 1, 2, 2 + (1 << 32), 7])) }
            if chance(50) { status += W.field(2, text()) }
            if chance(10) { status += W.varint(1 << 3) + [1] }  // reserved field 1
            parts.append(W.field(15, status))
        }
        if chance(20) { parts.append(W.varint(16 << 3 | 5) + [1, 0, 0, 0]) }
        if chance(10) { parts.append(unknownField()) }
        if chance(10) { parts.append(wrongWireType(UInt64(pick([1, 5, 7, 9, 15])))) }
        if chance(10) { parts.append(parts[int(0...parts.count - 1)]) }  // a field twice
        if chance(30) { parts.shuffle(using: &random) }
        return parts.flatMap { $0 }
    }

    mutating func request() -> [UInt8] {
        var out: [UInt8] = []
        for _ in 0..<int(0...3) {
            var resourceSpans: [[UInt8]] = []
            for _ in 0..<(chance(85) ? 1 : 2) {
                var resource: [UInt8] = []
                for _ in 0..<int(0...4) { resource += W.field(1, keyValue(room: 60)) }
                if chance(10) { resource += W.varint(2 << 3) + [1] }
                if chance(10) {
                    resource += W.field(3, W.field(2, Array("service".utf8)) + W.field(3, Array("a".utf8)))
                }
                resourceSpans.append(W.field(1, resource))
            }
            for _ in 0..<int(0...3) {
                var scope: [UInt8] = []
                if chance(50) { scope += W.field(1, W.field(1, text()) + W.field(3, keyValue(room: 59))) }
                for _ in 0..<int(0...4) { scope += W.field(2, span(room: 60)) }
                if chance(10) { scope += W.field(3, text()) }
                resourceSpans.append(W.field(2, scope))
            }
            if chance(10) { resourceSpans.append(W.field(3, text())) }
            if chance(10) { resourceSpans.append(unknownField()) }
            if chance(40) { resourceSpans.shuffle(using: &random) }
            out += W.field(1, resourceSpans.flatMap { $0 })
        }
        if chance(10) { out += unknownField() }
        return out
    }
}

/// A seeded generator, so a failing body can be made again from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
