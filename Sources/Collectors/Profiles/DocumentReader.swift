import InfermonCore

/// Typed access to a parsed JSON document for the profiles of nested formats
/// (OpenAI, OTel, LiteLLM), with errors that name the offending path.
struct DocumentReader {
    let root: JSONValue
    /// Top-level members the profile read; the rest become the event's attributes.
    private(set) var consumed: Set<String> = []

    init(_ root: JSONValue) throws(EventDecodingError) {
        guard case .object = root else { throw EventDecodingError("line is not a JSON object") }
        self.root = root
    }

    /// The value at a dotted path (`response.usage.prompt_tokens`); array steps by index (`choices.0`).
    mutating func value(_ path: String) -> JSONValue? {
        // Cut on the bytes: splitting by Characters was two fifths of decoding an
        // OpenAI gateway line. A "." byte is never inside a multi-byte character.
        let steps = path.utf8.split(separator: UInt8(ascii: "."))
        // Only a whole top-level member counts as read: a profile that picks one field
        // out of `metadata` must not drop the rest of it.
        if steps.count == 1 { consumed.insert(path) }
        var current = root
        for step in steps {
            switch current {
            case .object:
                guard let next = current[String(decoding: step, as: UTF8.self)] else { return nil }
                current = next
            case .array(let values):
                guard let index = Int(String(decoding: step, as: UTF8.self)), values.indices.contains(index) else {
                    return nil
                }
                current = values[index]
            default:
                return nil
            }
        }
        if case .null = current { return nil }
        return current
    }

    /// Marks a top-level member as read without using it.
    mutating func consume(_ key: String) { consumed.insert(key) }

    mutating func string(_ path: String) throws(EventDecodingError) -> String? {
        guard let value = value(path) else { return nil }
        switch value {
        case .string(let text): return text
        case .number(let number): return formatJSONNumber(number)
        default: throw EventDecodingError("\(path) must be a string")
        }
    }

    mutating func number(_ path: String) throws(EventDecodingError) -> Double? {
        guard let value = value(path) else { return nil }
        switch value {
        case .number(let number): return number
        case .string(let text):
            // OTLP JSON encodes 64-bit integers as strings.
            guard let number = Double(text) else { throw EventDecodingError("\(path) must be a number") }
            return number
        default: throw EventDecodingError("\(path) must be a number")
        }
    }

    mutating func count(_ path: String) throws(EventDecodingError) -> Int? {
        guard let value = try number(path) else { return nil }
        guard value == value.rounded(), abs(value) < 1e15 else {
            throw EventDecodingError("\(path) must be a whole number")
        }
        return Int(value)
    }

    mutating func bool(_ path: String) throws(EventDecodingError) -> Bool? {
        guard let value = value(path) else { return nil }
        guard case .bool(let flag) = value else { throw EventDecodingError("\(path) must be true or false") }
        return flag
    }

    /// The first of several paths that is present, as a string.
    mutating func firstString(_ paths: String...) throws(EventDecodingError) -> String? {
        for path in paths { if let found = try string(path), !found.isEmpty { return found } }
        return nil
    }

    /// Unread top-level members as a JSON object text, or nil when everything was read.
    func remainingAttributes() -> String? {
        guard case .object(let pairs) = root else { return nil }
        let rest = pairs.filter { !consumed.contains($0.key) }
        return rest.isEmpty ? nil : JSONValue.object(rest).jsonText
    }

    /// Joins the text of chat messages (`content` as a string or as typed parts).
    static func messageText(_ value: JSONValue?) -> String? {
        guard let value else { return nil }
        var parts: [String] = []
        func collect(_ node: JSONValue) {
            switch node {
            case .string(let text): parts.append(text)
            case .array(let items): items.forEach(collect)
            case .object:
                if let content = node["content"] {
                    collect(content)
                } else if let text = node["text"] {
                    collect(text)
                } else if let partsNode = node["parts"] {
                    collect(partsNode)
                }
            default: break
            }
        }
        collect(value)
        let joined = parts.filter { !$0.isEmpty }.joined(separator: "\n")
        return joined.isEmpty ? nil : joined
    }

    static func parse(_ line: UnsafeBufferPointer<UInt8>) throws -> JSONValue {
        var scanner = JSONScanner(line)
        let value = try scanner.readValue()
        try scanner.expectEnd()
        return value
    }
}
