public import InfermonCore

/// One `Span` (depth 4) and the messages inside it.
extension OTLPProtobufReader {
    mutating func span(_ range: Range<Int>, resource: [(key: String, value: JSONValue)]) throws(ProtobufWireError) {
        var cursor = ProtobufCursor(base, from: range.lowerBound, to: range.upperBound)
        var name = 0..<0
        var traceID = 0..<0
        var spanID = 0..<0
        var start: UInt64 = 0
        var end: UInt64 = 0
        var statusCode: Int32 = 0
        var statusMessage = 0..<0
        spanAttributes.removeAll(keepingCapacity: true)
        eventAttributes.removeAll(keepingCapacity: true)
        while let (field, wire) = try cursor.nextTag() {
            switch (field, wire) {
            case (1, .lengthDelimited): traceID = try cursor.lengthDelimited()
            case (2, .lengthDelimited): spanID = try cursor.lengthDelimited()
            case (3, .lengthDelimited): _ = try cursor.string()
            case (4, .lengthDelimited): _ = try cursor.lengthDelimited()
            case (5, .lengthDelimited): name = try cursor.string()
            case (6, .varint), (10, .varint), (12, .varint), (14, .varint): _ = try cursor.varint()
            case (7, .fixed64): start = try cursor.fixed64()
            case (8, .fixed64): end = try cursor.fixed64()
            case (9, .lengthDelimited):
                spanAttributes.append(try attributes.keyValue(cursor.lengthDelimited(), depth: 5))
            case (11, .lengthDelimited): try event(cursor.lengthDelimited())
            case (13, .lengthDelimited): try link(cursor.lengthDelimited())
            case (15, .lengthDelimited):
                try status(cursor.lengthDelimited(), code: &statusCode, message: &statusMessage)
            default: try cursor.skip(wire, field: field, depth: 4)
            }
        }
        defer { index += 1 }
        // Most spans of an instrumented application are not model calls: they
        // were checked above and are counted, nothing more.
        guard spanAttributes.contains(where: { OTLPGenAI.hasPrefix(base, $0.key) }) else {
            result.ignoredSpans += 1
            return
        }
        var eventMembers: [(key: String, value: JSONValue)] = []
        for entry in eventAttributes where OTLPGenAI.hasPrefix(base, entry.key) {
            eventMembers.append((attributes.key(entry), attributes.value(entry)))
        }
        let facts = OTLPSpanFacts(
            name: ProtobufUTF8.string(base, name),
            traceID: traceID.count == 16 ? OTLPHex.encode(bytes(traceID)) : nil,
            spanID: spanID.count == 8 ? OTLPHex.encode(bytes(spanID)) : nil,
            startNanos: start, endNanos: end, isError: statusCode == 2,
            statusMessage: ProtobufUTF8.string(base, statusMessage),
            attributes: attributes.members(spanAttributes), eventAttributes: eventMembers)
        result.add(facts, resource: resource, index: index, timestamps: timestamps, now: now)
    }

    private func bytes(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base + range.lowerBound, count: range.count)
    }

    /// `Span.Event` (depth 5): only events named `gen_ai.*` lend attributes to the span.
    private mutating func event(_ range: Range<Int>) throws(ProtobufWireError) {
        var cursor = ProtobufCursor(base, from: range.lowerBound, to: range.upperBound)
        let first = eventAttributes.count
        var name = 0..<0
        while let (field, wire) = try cursor.nextTag() {
            switch (field, wire) {
            case (1, .fixed64): _ = try cursor.fixed64()
            case (2, .lengthDelimited): name = try cursor.string()
            case (3, .lengthDelimited):
                eventAttributes.append(try attributes.keyValue(cursor.lengthDelimited(), depth: 6))
            case (4, .varint): _ = try cursor.varint()
            default: try cursor.skip(wire, field: field, depth: 5)
            }
        }
        if !OTLPGenAI.hasPrefix(base, name) { eventAttributes.removeSubrange(first...) }
    }

    /// `Span.Link` (depth 5): checked, not kept.
    private func link(_ range: Range<Int>) throws(ProtobufWireError) {
        var cursor = ProtobufCursor(base, from: range.lowerBound, to: range.upperBound)
        while let (field, wire) = try cursor.nextTag() {
            switch (field, wire) {
            case (1, .lengthDelimited), (2, .lengthDelimited): _ = try cursor.lengthDelimited()
            case (3, .lengthDelimited): _ = try cursor.string()
            case (4, .lengthDelimited): try attributes.checkKeyValue(cursor.lengthDelimited(), depth: 6)
            case (5, .varint): _ = try cursor.varint()
            default: try cursor.skip(wire, field: field, depth: 5)
            }
        }
    }

    /// `Status` (depth 5). A second status merges into the first, field by field.
    private func status(_ range: Range<Int>, code: inout Int32, message: inout Range<Int>) throws(ProtobufWireError) {
        var cursor = ProtobufCursor(base, from: range.lowerBound, to: range.upperBound)
        while let (field, wire) = try cursor.nextTag() {
            switch (field, wire) {
            case (2, .lengthDelimited): message = try cursor.string()
            case (3, .varint): code = Int32(truncatingIfNeeded: try cursor.varint())
            default: try cursor.skip(wire, field: field, depth: 5)
            }
        }
    }
}

/// The `gen_ai.` prefix as `String.hasPrefix` sees it (whole characters),
/// decided on the bytes unless a non-ASCII byte follows the dot.
enum OTLPGenAI {
    private static let prefix = Array("gen_ai.".utf8)

    static func hasPrefix(_ base: UnsafePointer<UInt8>, _ range: Range<Int>) -> Bool {
        guard range.count >= 7 else { return false }
        for offset in 0..<7 where base[range.lowerBound + offset] != prefix[offset] { return false }
        if range.count == 7 || base[range.lowerBound + 7] < 0x80 { return true }
        return ProtobufUTF8.string(base, range).hasPrefix("gen_ai.")
    }

    static func hasPrefix(_ key: String) -> Bool {
        var key = key
        return key.withUTF8 { utf8 in
            guard let base = utf8.baseAddress else { return false }
            return hasPrefix(base, 0..<utf8.count)
        }
    }
}
