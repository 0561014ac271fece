public import InfermonCore

#if canImport(Glibc)
    import Glibc
#endif

/// The attributes `OTelGenAIMapping` reads, found in one pass over a span's
/// attributes instead of a search per name, and what it did not read written
/// back as JSON text. Each name counts as read once asked for, found or not
/// (so a fallback name asked only when the first was missing stays in the text).
///
/// Keys are compared byte for byte. That is what `String ==` decides for these
/// names: they are ASCII without `K`, `;` or `` ` ``, the only ASCII characters
/// another character is canonically equivalent to.
struct GenAIAttributeLookup {
    enum Name: Int, CaseIterable {
        case requestModel, responseModel, operationName, httpRoute, tenantID, tenant, responseID, requestID
        case inputTokens, promptTokens, outputTokens, completionTokens, cacheRead, cacheReadOld
        case cacheCreation, cacheCreationOld, reasoning, reasoningOld, cost, costUSD
        case firstChunk, firstToken, duration, finishReasons, inputMessages, prompt, outputMessages, completion
        case errorType, timestamp

        var key: String { Self.keys[rawValue] }

        static let keys = [
            "gen_ai.request.model", "gen_ai.response.model", "gen_ai.operation.name", "http.route", "tenant.id",
            "tenant", "gen_ai.response.id", "request.id", "gen_ai.usage.input_tokens",
            "gen_ai.usage.prompt_tokens", "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens",
            "gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens",
            "gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens",
            "gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens", "gen_ai.usage.cost",
            "cost_usd", "gen_ai.response.time_to_first_chunk", "gen_ai.server.time_to_first_token",
            "gen_ai.client.operation.duration", "gen_ai.response.finish_reasons", "gen_ai.input.messages",
            "gen_ai.prompt", "gen_ai.output.messages", "gen_ai.completion", "error.type", "timestamp",
        ]

        /// Names by length, so most keys are ruled out without reading them.
        static let byLength: [[(bytes: [UInt8], name: Name)]] = {
            var table = [[(bytes: [UInt8], name: Name)]](repeating: [], count: 64)
            for name in allCases { table[name.key.utf8.count].append((Array(name.key.utf8), name)) }
            return table
        }()

        init?(key: String) {
            guard
                let found = ProtobufUTF8.withBytes(
                    key,
                    { bytes, count -> Name? in
                        guard count < 64 else { return nil }
                        for candidate in Self.byLength[count]
                        where candidate.bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes, count) == 0 }) {
                            return candidate.name
                        }
                        return nil
                    })
            else { return nil }
            self = found
        }
    }

    let attributes: [(key: String, value: JSONValue)]
    /// Per attribute, the name it is (`-1`: none the mapping reads).
    private var names: [Int8]
    /// Per name, the first attribute with it (`-1`: absent).
    private var first: [Int]
    private var consumed: UInt64 = 0

    init(_ attributes: [(key: String, value: JSONValue)]) {
        self.attributes = attributes
        names = [Int8](repeating: -1, count: attributes.count)
        first = [Int](repeating: -1, count: Name.allCases.count)
        for index in attributes.indices.reversed() {
            guard let name = Name(key: attributes[index].key) else { continue }
            names[index] = Int8(name.rawValue)
            first[name.rawValue] = index
        }
    }

    /// The first value under `name` (null counts as absent); `name` is read from now on.
    mutating func take(_ name: Name) -> JSONValue? {
        consumed |= 1 << UInt64(name.rawValue)
        let index = first[name.rawValue]
        guard index >= 0 else { return nil }
        let value = attributes[index].value
        if case .null = value { return nil }
        return value
    }

    /// The attributes not read, in order, as a JSON object's text; nil when none are left.
    func remaining() -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        out.append(UInt8(ascii: "{"))
        var any = false
        for (index, pair) in attributes.enumerated() {
            let name = names[index]
            if name >= 0, consumed & (1 << UInt64(name)) != 0 { continue }
            if any { out.append(UInt8(ascii: ",")) }
            any = true
            JSONTextBytes.string(pair.key, to: &out)
            out.append(UInt8(ascii: ":"))
            JSONTextBytes.value(pair.value, to: &out)
        }
        guard any else { return nil }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}

/// `JSONValue.write(to:)`'s text (no HTML escaping), written as bytes.
enum JSONTextBytes {
    private static let hex = Array("0123456789abcdef".utf8)

    static func value(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null: out += "null".utf8
        case .bool(let flag): out += (flag ? "true" : "false").utf8
        case .number(let number):
            if number == number.rounded(), abs(number) < 1e15 {
                out += String(Int64(number)).utf8
            } else {
                out += formatJSONNumber(number).utf8
            }
        case .string(let text): string(text, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                self.value(item, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let pairs):
            out.append(UInt8(ascii: "{"))
            for (index, pair) in pairs.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                string(pair.key, to: &out)
                out.append(UInt8(ascii: ":"))
                self.value(pair.value, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Escapes only ASCII bytes, so per byte is the same as `writeJSONString`'s per scalar.
    static func string(_ text: String, to out: inout [UInt8]) {
        ProtobufUTF8.withBytes(text) { bytes, count in
            out.append(UInt8(ascii: "\""))
            var plain = 0
            while plain < count, bytes[plain] >= 0x20, bytes[plain] != 0x22, bytes[plain] != 0x5C { plain += 1 }
            out.append(contentsOf: UnsafeBufferPointer(start: bytes, count: plain))
            for index in plain..<count {
                let byte = bytes[index]
                switch byte {
                case 0x22: out += #"\""#.utf8
                case 0x5C: out += #"\\"#.utf8
                case 0x0A: out += #"\n"#.utf8
                case 0x0D: out += #"\r"#.utf8
                case 0x09: out += #"\t"#.utf8
                case ..<0x20:
                    out += #"\u00"#.utf8
                    out.append(hex[Int(byte >> 4)])
                    out.append(hex[Int(byte & 0x0f)])
                default: out.append(byte)
                }
            }
            out.append(UInt8(ascii: "\""))
        }
    }
}
