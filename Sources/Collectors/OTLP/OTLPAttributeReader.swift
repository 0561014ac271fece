public import InfermonCore

/// Where one `KeyValue` lies in the body: its key and its value's bytes.
/// A value sent twice is merged, as protobuf merges a repeated singular
/// message, so the later occurrences are kept too.
struct OTLPKeyValueEntry {
    var key: Range<Int> = 0..<0
    var value: Range<Int>?
    var moreValues: [Range<Int>]?
}

/// `KeyValue` and `AnyValue` read from protobuf bytes: checked without
/// allocating (every span), and turned into `JSONValue` only for spans that
/// become events. The JSON shapes are those of `OTLPAnyValue.jsonValue`.
struct OTLPAttributeReader {
    let base: UnsafePointer<UInt8>

    /// Checks a `KeyValue` message at `depth` and says where its parts are.
    func keyValue(_ range: Range<Int>, depth: Int) throws(ProtobufWireError) -> OTLPKeyValueEntry {
        guard depth <= OTLPTraceDecoder.maxDepth else { throw ProtobufWireError("nesting deeper than the limit") }
        var cursor = ProtobufCursor(base, from: range.lowerBound, to: range.upperBound)
        var entry = OTLPKeyValueEntry()
        while let (field, wire) = try cursor.nextTag() {
            switch (field, wire) {
            case (1, .lengthDelimited): entry.key = try cursor.string()
            case (2, .lengthDelimited):
                let value = try cursor.lengthDelimited()
                try checkAnyValue(value, depth: depth + 1)
                if entry.value == nil {
                    entry.value = value
                } else {
                    entry.moreValues = (entry.moreValues ?? []) + [value]
                }
            case (3, .varint): _ = try cursor.varint()
            default: try cursor.skip(wire, field: field, depth: depth)
            }
        }
        return entry
    }

    func checkAnyValue(_ range: Range<Int>, depth: Int) throws(ProtobufWireError) {
        guard depth <= OTLPTraceDecoder.maxDepth else { throw ProtobufWireError("nesting deeper than the limit") }
        var cursor = ProtobufCursor(base, from: range.lowerBound, to: range.upperBound)
        while let (field, wire) = try cursor.nextTag() {
            switch (field, wire) {
            case (1, .lengthDelimited): _ = try cursor.string()
            case (2, .varint), (3, .varint), (8, .varint): _ = try cursor.varint()
            case (4, .fixed64): _ = try cursor.fixed64()
            case (7, .lengthDelimited): _ = try cursor.lengthDelimited()
            case (5, .lengthDelimited), (6, .lengthDelimited):
                // ArrayValue (AnyValue values) and KeyValueList (KeyValue values): both field 1.
                let list = try cursor.lengthDelimited()
                guard depth + 1 <= OTLPTraceDecoder.maxDepth else {
                    throw ProtobufWireError("nesting deeper than the limit")
                }
                var inner = ProtobufCursor(base, from: list.lowerBound, to: list.upperBound)
                while let (innerField, innerWire) = try inner.nextTag() {
                    if innerField == 1, innerWire == .lengthDelimited {
                        let item = try inner.lengthDelimited()
                        if field == 5 {
                            try checkAnyValue(item, depth: depth + 2)
                        } else {
                            _ = try keyValue(item, depth: depth + 2)
                        }
                    } else {
                        try inner.skip(innerWire, field: innerField, depth: depth + 1)
                    }
                }
            default: try cursor.skip(wire, field: field, depth: depth)
            }
        }
    }

    /// Checks a list of `KeyValue` fields that nothing reads (scope and link attributes).
    func checkKeyValue(_ range: Range<Int>, depth: Int) throws(ProtobufWireError) {
        _ = try keyValue(range, depth: depth)
    }

    // MARK: - Building values of checked bytes

    func key(_ entry: OTLPKeyValueEntry) -> String { ProtobufUTF8.string(base, entry.key) }

    func value(_ entry: OTLPKeyValueEntry) -> JSONValue {
        var state: JSONValue?
        if let value = entry.value { merge(value, into: &state) }
        for value in entry.moreValues ?? [] { merge(value, into: &state) }
        return state ?? .null
    }

    func members(_ entries: [OTLPKeyValueEntry]) -> [(key: String, value: JSONValue)] {
        var out: [(key: String, value: JSONValue)] = []
        out.reserveCapacity(entries.count)
        for entry in entries { out.append((key(entry), value(entry))) }
        return out
    }

    /// Decodes one occurrence of an `AnyValue` into the value so far: scalars
    /// replace it; a list or key/value list extends one of its own kind.
    /// The bytes were checked, so nothing here can fail.
    private func merge(_ range: Range<Int>, into state: inout JSONValue?) {
        var cursor = ProtobufCursor(base, from: range.lowerBound, to: range.upperBound)
        while let (field, wire) = try? cursor.nextTag() {
            switch (field, wire) {
            case (1, .lengthDelimited):
                state = .string(ProtobufUTF8.string(base, (try? cursor.lengthDelimited()) ?? 0..<0))
            case (2, .varint): state = .bool(((try? cursor.varint()) ?? 0) != 0)
            case (3, .varint): state = .number(Double(Int64(bitPattern: (try? cursor.varint()) ?? 0)))
            case (4, .fixed64):
                let number = Double(bitPattern: (try? cursor.fixed64()) ?? 0)
                // JSON has no NaN or infinity; keep them readable rather than turning them into null.
                state = number.isFinite ? .number(number) : .string("\(number)")
            case (7, .lengthDelimited):
                state = .string(OTLPBase64.encode(base, (try? cursor.lengthDelimited()) ?? 0..<0))
            // A reference into a profiles dictionary; traces never carry one.
            case (8, .varint):
                _ = try? cursor.varint()
                state = .null
            case (5, .lengthDelimited):
                var items: [JSONValue] = []
                if case .array(let existing)? = state { items = existing }
                state = nil
                forEachItem((try? cursor.lengthDelimited()) ?? 0..<0) { item in
                    var element: JSONValue?
                    merge(item, into: &element)
                    items.append(element ?? .null)
                }
                state = .array(items)
            case (6, .lengthDelimited):
                var pairs: [(key: String, value: JSONValue)] = []
                if case .object(let existing)? = state { pairs = existing }
                state = nil
                forEachItem((try? cursor.lengthDelimited()) ?? 0..<0) { item in
                    let entry = (try? keyValue(item, depth: 0)) ?? OTLPKeyValueEntry()
                    pairs.append((key(entry), value(entry)))
                }
                state = .object(pairs)
            default: try? cursor.skip(wire, field: field, depth: 0)
            }
        }
    }

    /// Each field 1 of an `ArrayValue` or `KeyValueList`.
    private func forEachItem(_ range: Range<Int>, _ body: (Range<Int>) -> Void) {
        var cursor = ProtobufCursor(base, from: range.lowerBound, to: range.upperBound)
        while let (field, wire) = try? cursor.nextTag() {
            if field == 1, wire == .lengthDelimited, let item = try? cursor.lengthDelimited() {
                body(item)
            } else {
                try? cursor.skip(wire, field: field, depth: 0)
            }
        }
    }
}

/// Standard base64 with padding, as `Data.base64EncodedString()` writes bytes values.
enum OTLPBase64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ base: UnsafePointer<UInt8>, _ range: Range<Int>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((range.count + 2) / 3 * 4)
        var index = range.lowerBound
        while index < range.upperBound {
            let b0 = UInt32(base[index])
            let b1 = index + 1 < range.upperBound ? UInt32(base[index + 1]) : 0
            let b2 = index + 2 < range.upperBound ? UInt32(base[index + 2]) : 0
            let triple = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(triple >> 18 & 63)])
            out.append(alphabet[Int(triple >> 12 & 63)])
            out.append(index + 1 < range.upperBound ? alphabet[Int(triple >> 6 & 63)] : UInt8(ascii: "="))
            out.append(index + 2 < range.upperBound ? alphabet[Int(triple & 63)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
