import InfermonCore

/// Typed access to the fields of one line, read in one pass (`JSONFieldScan`):
/// the same answers, errors and attributes as `DocumentReader` gives over the
/// parsed tree, for profiles that name their fields in a `JSONFields` enum.
struct FieldReader<Field: JSONFields> {
    let line: UnsafeBufferPointer<UInt8>
    private var scan: JSONFieldScan<Field>
    /// Top-level members the profile read, by position among the field set's top-level names.
    private var consumed: UInt64 = 0

    init(_ line: UnsafeBufferPointer<UInt8>, fields: JSONFieldSet<Field>) throws {
        self.line = line
        scan = try JSONFieldScan(line, fields: fields)
    }

    /// Where a field's value starts, or nil when it is missing or null. Reading a
    /// top-level field marks it read, present or not, as `DocumentReader.value` does.
    @inline(__always)
    private mutating func start(_ field: Field) -> Int? {
        let node = scan.fields.node(of: field)
        let topLevel = scan.fields.nodes[node].topLevel
        if topLevel >= 0 { consumed |= 1 << UInt64(topLevel) }
        guard let range = scan.range(of: field), line[range.lowerBound] != UInt8(ascii: "n") else { return nil }
        return range.lowerBound
    }

    /// Marks a top-level member as read without using it.
    mutating func consume(_ field: Field) { _ = start(field) }

    /// The value as a tree, for the few fields a profile takes whole (feedback, a time of any form).
    mutating func value(_ field: Field) -> JSONValue? {
        guard let at = start(field) else { return nil }
        var scanner = JSONScanner(line, at: at)
        return try? scanner.readValue()
    }

    mutating func string(_ field: Field) throws(EventDecodingError) -> String? {
        guard let at = start(field) else { return nil }
        var scanner = JSONScanner(line, at: at)
        switch line[at] {
        case UInt8(ascii: "\""): return try? scanner.readString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return (try? scanner.readNumber()).map(formatJSONNumber)
        default: throw EventDecodingError("\(field.path) must be a string")
        }
    }

    /// A label value (model, route, tenant): the same string, shared from line to line through `strings`.
    mutating func label(_ field: Field, _ strings: inout StringInterner) throws(EventDecodingError) -> String? {
        guard let at = start(field), line[at] == UInt8(ascii: "\"") else { return try string(field) }
        var scanner = JSONScanner(line, at: at)
        return try? scanner.readString(interning: &strings)
    }

    mutating func number(_ field: Field) throws(EventDecodingError) -> Double? {
        guard let at = start(field) else { return nil }
        var scanner = JSONScanner(line, at: at)
        switch line[at] {
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try? scanner.readNumber()
        case UInt8(ascii: "\""):
            // OTLP JSON encodes 64-bit integers as strings.
            guard let text = try? scanner.readString(), let number = Double(text) else {
                throw EventDecodingError("\(field.path) must be a number")
            }
            return number
        default: throw EventDecodingError("\(field.path) must be a number")
        }
    }

    mutating func count(_ field: Field) throws(EventDecodingError) -> Int? {
        guard let value = try number(field) else { return nil }
        guard value == value.rounded(), abs(value) < 1e15 else {
            throw EventDecodingError("\(field.path) must be a whole number")
        }
        return Int(value)
    }

    mutating func bool(_ field: Field) throws(EventDecodingError) -> Bool? {
        guard let at = start(field) else { return nil }
        switch line[at] {
        case UInt8(ascii: "t"): return true
        case UInt8(ascii: "f"): return false
        default: throw EventDecodingError("\(field.path) must be true or false")
        }
    }

    /// The first of several fields that is present and not empty, as a string.
    mutating func firstString(_ fields: Field...) throws(EventDecodingError) -> String? {
        for field in fields { if let found = try string(field), !found.isEmpty { return found } }
        return nil
    }

    /// The first of several label fields that is present and not empty.
    mutating func firstLabel(_ fields: Field..., strings: inout StringInterner) throws(EventDecodingError) -> String? {
        for field in fields { if let found = try label(field, &strings), !found.isEmpty { return found } }
        return nil
    }

    /// A time as `EventValidation.timestamp` reads it; RFC 3339 text is parsed on its bytes.
    mutating func timestamp(_ field: Field, name: String) throws(EventDecodingError) -> Timestamp? {
        guard let at = start(field) else { return nil }
        if line[at] == UInt8(ascii: "\"") {
            var scanner = JSONScanner(line, at: at)
            if let text = try? scanner.readUnescapedString(), let millis = TimeParsing.rfc3339Millis(text) {
                return millis
            }
        }
        return try EventValidation.timestamp(value(field) ?? .null, field: name)
    }

    /// The text of chat messages in a field (see `JSONMessageText`); nil when there is none.
    mutating func messageText(_ field: Field) -> String? {
        guard let at = start(field), let range = scan.range(of: field) else { return nil }
        return JSONMessageText.text(line, at: at, size: range.count)
    }

    /// Whether a field is present and not null (without marking it read).
    func has(_ field: Field) -> Bool {
        guard let range = scan.range(of: field) else { return false }
        return line[range.lowerBound] != UInt8(ascii: "n")
    }

    /// Unread top-level members as a JSON object text, or nil when everything was read.
    mutating func remainingAttributes() -> String? {
        let unreadNamed = scan.members.contains {
            $0.topLevel >= 0 && consumed & (1 << UInt64($0.topLevel)) == 0
        }
        if !unreadNamed {
            // The members no field names, already written in order: the usual case.
            var out = scan.takeWritten()
            guard out.count > 1 else { return nil }
            out.append(UInt8(ascii: "}"))
            return String(decoding: out, as: UTF8.self)
        }
        var out: [UInt8] = []
        for member in scan.members where member.topLevel < 0 || consumed & (1 << UInt64(member.topLevel)) == 0 {
            out.append(out.isEmpty ? UInt8(ascii: "{") : UInt8(ascii: ","))
            if member.topLevel < 0 {
                scan.written.withUnsafeBufferPointer {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[member.text]))
                }
            } else {
                scan.fields.topLevelNames[member.topLevel].withUnsafeBufferPointer { appendJSONString($0, to: &out) }
                out.append(UInt8(ascii: ":"))
                var scanner = JSONScanner(line, at: member.value.lowerBound)
                try? scanner.writeCompactValue(to: &out)
            }
        }
        guard !out.isEmpty else { return nil }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}
