import InfermonCore

/// Writes JSON lines for differential tests of the profiles' readers: real
/// documents rewritten (members dropped, replaced, repeated, shuffled) and
/// random ones over the member names the profiles read, each written with
/// random whitespace, escapes and number spellings; and bytes broken on purpose.
/// Seeded, so a failure comes back on every run.
struct LineMaker {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// SplitMix64.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// Every step of every path the two profiles read, and names the text rule knows.
    static let names = [
        "timestamp", "ts", "request", "response", "created", "model", "model_version", "request_id", "id", "route",
        "endpoint", "tenant", "metadata", "latency_ms", "latency_s", "ttft_ms", "ttft_s", "stream", "usage",
        "prompt_tokens", "input_tokens", "completion_tokens", "output_tokens", "prompt_tokens_details",
        "input_tokens_details", "cached_tokens", "cache_creation_input_tokens", "completion_tokens_details",
        "output_tokens_details", "reasoning_tokens", "cost_usd", "cost", "choices", "0", "1", "finish_reason",
        "status", "incomplete_details", "reason", "messages", "input", "message", "content", "output", "context",
        "status_code", "error", "type", "code", "feedback", "startTime", "endTime", "completionStartTime",
        "litellm_call_id", "call_type", "user_api_key_team_alias", "user_api_key_team_id", "usage_object",
        "response_cost", "error_information", "error_code", "error_class", "text", "parts", "role", "x", "",
    ]
    static let strings = [
        "", "ok", "success", "failure", "completed", "incomplete", "max_output_tokens", "stop", "length", "up",
        "2026-11-27T09:14:03.512Z", "2026-11-27 09:14:03", "1795770843", "408", "500", "RateLimitError", "Timeout",
        "gpt-4o", "gpt-4o-mini-2024-07-18", "a\nb", "quote \" and \\ slash /", "é日本😀", "\u{1}\u{1F}",
        "\u{8}\u{C}\t\r", "1e3",
    ]
    static let numbers = [
        "0", "-0", "1", "-1", "7", "200", "429", "504", "1795770843", "1795770843.512", "1795770843512", "1.5",
        "0.25", "-2.5", "1e3", "1E+2", "2e-3", "1.0", "100.0e0", "9e50", "1e400", "-1e400", "12345678901234567890",
        "123456789012345", "1234567890123456", "0.1234567890123456789", "4.9e-324",
    ]

    mutating func space() -> String { chance(85) ? "" : pick([" ", "\t", "\n", "\r", "  \t"]) }

    /// A string literal, each scalar possibly written as an escape (astral ones as surrogate pairs).
    mutating func literal(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n" where chance(50): out += "\\n"
            case "/" where chance(50): out += "\\/"
            case "\u{8}" where chance(50): out += "\\b"
            case "\u{C}" where chance(50): out += "\\f"
            case "\t" where chance(50): out += "\\t"
            case "\r" where chance(50): out += "\\r"
            default:
                if scalar.value < 0x20 || chance(4) {
                    for unit in String(scalar).utf16 {
                        let hex = String(unit, radix: 16, uppercase: chance(50))
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    mutating func spell(_ value: Double) -> String {
        if chance(70) { return formatJSONNumber(value) }
        if value == value.rounded(), abs(value) < 1e15 { return pick(["\(Int64(value)).0", "\(Int64(value))e0"]) }
        return "\(value)"
    }

    mutating func randomValue(depth: Int) -> String {
        switch depth > 4 ? below(4) : below(7) {
        case 0: return literal(pick(Self.strings))
        case 1: return pick(Self.numbers)
        case 2: return pick(["true", "false", "null"])
        case 3: return literal(pick(Self.names))
        case 4, 5: return randomObject(depth: depth + 1)
        default:
            let items = (0..<below(4)).map { _ in randomValue(depth: depth + 1) }
            return "[" + space() + items.joined(separator: space() + "," + space()) + space() + "]"
        }
    }

    mutating func randomObject(depth: Int) -> String {
        let members = (0..<below(depth == 0 ? 14 : 5)).map { _ in
            literal(pick(Self.names)) + space() + ":" + space() + randomValue(depth: depth)
        }
        return space() + "{" + space() + members.joined(separator: space() + "," + space()) + space() + "}" + space()
    }

    /// A tree written back as text, with its members now and then dropped,
    /// replaced, repeated, reordered, or joined by new ones.
    mutating func write(_ value: JSONValue, depth: Int) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let number): return spell(number)
        case .string(let text): return literal(text)
        case .array(let items):
            let parts = items.map { chance(3) ? randomValue(depth: depth + 1) : write($0, depth: depth + 1) }
            return "[" + space() + parts.joined(separator: space() + "," + space()) + space() + "]"
        case .object(let pairs):
            var members: [String] = []
            for pair in pairs where !chance(4) {
                let key = literal(pair.key) + space() + ":" + space()
                members.append(key + (chance(4) ? randomValue(depth: depth + 1) : write(pair.value, depth: depth + 1)))
                if chance(2) { members.append(key + randomValue(depth: depth + 1)) }
            }
            if chance(5) { members.append(literal(pick(Self.names)) + ":" + randomValue(depth: depth + 1)) }
            if chance(5) { members.shuffle(using: &self) }
            return "{" + space() + members.joined(separator: space() + "," + space()) + space() + "}"
        }
    }

    /// One to three bytes deleted, inserted or replaced: syntax errors, invalid UTF-8, or still valid.
    mutating func breakBytes(_ line: inout [UInt8]) {
        let bytes: [UInt8] = Array("{}[]\",:\\0-e.tn u".utf8) + [0x01, 0xC3, 0xFF, 0x80]
        for _ in 0...below(3) where !line.isEmpty {
            let at = below(line.count)
            switch below(3) {
            case 0: line.remove(at: at)
            case 1: line.insert(pick(bytes), at: at)
            default: line[at] = pick(bytes)
            }
        }
    }
}

extension LineMaker: RandomNumberGenerator {}
