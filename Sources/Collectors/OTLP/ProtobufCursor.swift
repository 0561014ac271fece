/// Why protobuf bytes were refused: the body as a whole is not a valid message.
struct ProtobufWireError: Error, Sendable, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Protobuf wire-format primitives over bytes the caller keeps alive.
///
/// A body is refused exactly where swift-protobuf's `BinaryDecoder` (the
/// generated messages' decoder, kept in the tests as the reference) refuses it,
/// so replacing the generated messages changes no answer: tags of at most five
/// bytes with a field number, varints of at most ten bytes, lengths inside the
/// body, unknown fields skipped by wire type (groups included, counted against
/// the nesting limit), and UTF-8 checked in every string field.
struct ProtobufCursor {
    enum Wire: UInt8 {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case startGroup = 3
        case endGroup = 4
        case fixed32 = 5
    }

    let base: UnsafePointer<UInt8>
    var position: Int
    let end: Int

    init(_ base: UnsafePointer<UInt8>, from position: Int, to end: Int) {
        self.base = base
        self.position = position
        self.end = end
    }

    var atEnd: Bool { position >= end }

    /// The next field's number and wire type, nil at the end of the message.
    @inline(__always)
    mutating func nextTag() throws(ProtobufWireError) -> (field: Int, wire: Wire)? {
        guard position < end else { return nil }
        let c0 = base[position]
        guard let wire = Wire(rawValue: c0 & 7) else { throw ProtobufWireError("wire type \(c0 & 7) does not exist") }
        var field: Int
        if c0 & 0x80 == 0 {
            position += 1
            field = Int(c0) >> 3
        } else {
            field = try longTag(c0)
        }
        guard field != 0 else { throw ProtobufWireError("field number 0") }
        // Groups are only skipped, inside `skip`; an end of group here closes nothing.
        guard wire != .endGroup else { throw ProtobufWireError("end of a group that was not opened") }
        return (field, wire)
    }

    /// Tags of two to five bytes, as swift-protobuf reads them: no longer, and a
    /// fifth byte that keeps the field number within 29 bits.
    private mutating func longTag(_ c0: UInt8) throws(ProtobufWireError) -> Int {
        var field = Int(c0 & 0x7f) >> 3
        for index in 1..<5 {
            guard position + index < end else { throw ProtobufWireError("truncated tag") }
            let byte = base[position + index]
            if index == 4 {
                guard byte <= 15 else { throw ProtobufWireError("tag longer than five bytes") }
                field |= Int(byte) << 25
                position += 5
                return field
            }
            field |= Int(byte & 0x7f) << (4 + 7 * (index - 1))
            if byte & 0x80 == 0 {
                position += index + 1
                return field
            }
        }
        fatalError("unreachable")
    }

    @inline(__always)
    mutating func varint() throws(ProtobufWireError) -> UInt64 {
        guard position < end else { throw ProtobufWireError("truncated varint") }
        let first = base[position]
        position += 1
        if first & 0x80 == 0 { return UInt64(first) }
        return try longVarint(first)
    }

    private mutating func longVarint(_ first: UInt8) throws(ProtobufWireError) -> UInt64 {
        var value = UInt64(first & 0x7f)
        var shift: UInt64 = 7
        while true {
            guard position < end, shift <= 63 else { throw ProtobufWireError("truncated or overlong varint") }
            let byte = base[position]
            position += 1
            value |= UInt64(byte & 0x7f) &<< shift
            if byte & 0x80 == 0 { return value }
            shift &+= 7
        }
    }

    @inline(__always)
    mutating func fixed64() throws(ProtobufWireError) -> UInt64 {
        guard end - position >= 8 else { throw ProtobufWireError("truncated fixed64") }
        let value = UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self)
        position += 8
        return UInt64(littleEndian: value)
    }

    /// The body of a length-delimited field (string, bytes or message), as a byte range.
    @inline(__always)
    mutating func lengthDelimited() throws(ProtobufWireError) -> Range<Int> {
        let length = try varint()
        // swift-protobuf's limit for strings, bytes and messages.
        guard length < 0x7fff_ffff else { throw ProtobufWireError("length of 2 GB or more") }
        guard length <= UInt64(end - position) else { throw ProtobufWireError("length past the end of the message") }
        let start = position
        position += Int(length)
        return start..<position
    }

    /// A string field's bytes, which must be UTF-8.
    @inline(__always)
    mutating func string() throws(ProtobufWireError) -> Range<Int> {
        let range = try lengthDelimited()
        guard ProtobufUTF8.isValid(base, range) else { throw ProtobufWireError("string field is not UTF-8") }
        return range
    }

    /// Skips a field that is unknown, or known but sent with another wire type
    /// (swift-protobuf treats both the same). `depth` is the enclosing
    /// message's; a group nests one deeper.
    mutating func skip(_ wire: Wire, field: Int, depth: Int) throws(ProtobufWireError) {
        switch wire {
        case .varint: _ = try varint()
        case .fixed64:
            guard end - position >= 8 else { throw ProtobufWireError("truncated fixed64") }
            position += 8
        case .fixed32:
            guard end - position >= 4 else { throw ProtobufWireError("truncated fixed32") }
            position += 4
        case .lengthDelimited:
            // Unlike a known field, a skipped one has no 2 GB limit.
            let length = try varint()
            guard length <= UInt64(end - position) else {
                throw ProtobufWireError("length past the end of the message")
            }
            position += Int(length)
        case .startGroup:
            guard depth + 1 <= OTLPTraceDecoder.maxDepth else {
                throw ProtobufWireError("nesting deeper than the limit")
            }
            while true {
                guard position < end else { throw ProtobufWireError("group without its end") }
                // Inside a group, tags are read as plain varints.
                let tag = try varint()
                guard tag < UInt64(UInt32.max), tag >> 3 != 0, let inner = Wire(rawValue: UInt8(tag & 7)) else {
                    throw ProtobufWireError("malformed tag in a group")
                }
                if inner == .endGroup {
                    guard Int(tag >> 3) == field else { throw ProtobufWireError("end of another group") }
                    return
                }
                try skip(inner, field: Int(tag >> 3), depth: depth + 1)
            }
        case .endGroup:
            throw ProtobufWireError("end of a group that was not opened")
        }
    }
}

/// UTF-8 as swift-protobuf checks it, with a fast path for ASCII.
enum ProtobufUTF8 {
    @inline(__always)
    static func isValid(_ base: UnsafePointer<UInt8>, _ range: Range<Int>) -> Bool {
        var index = range.lowerBound
        while index + 8 <= range.upperBound {
            if UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 != 0 {
                return isValidSlow(base, range)
            }
            index += 8
        }
        while index < range.upperBound {
            if base[index] >= 0x80 { return isValidSlow(base, range) }
            index += 1
        }
        return true
    }

    @inline(__always)
    static func isASCII(_ base: UnsafePointer<UInt8>, _ range: Range<Int>) -> Bool {
        var index = range.lowerBound
        while index + 8 <= range.upperBound {
            if UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 != 0 {
                return false
            }
            index += 8
        }
        while index < range.upperBound {
            if base[index] >= 0x80 { return false }
            index += 1
        }
        return true
    }

    /// Runs `body` on a string's UTF-8 without copying it (native strings are contiguous).
    @inline(__always)
    static func withBytes<R>(_ text: String, _ body: (UnsafePointer<UInt8>, Int) -> R) -> R {
        if let contiguous = text.utf8.withContiguousStorageIfAvailable({ utf8 -> R? in
            guard let base = utf8.baseAddress else { return nil }
            return body(base, utf8.count)
        }), let result = contiguous {
            return result
        }
        var copy = Array(text.utf8)
        copy.append(0)  // never empty, so there is an address
        return copy.withUnsafeBufferPointer { body($0.baseAddress!, $0.count - 1) }
    }

    private static func isValidSlow(_ base: UnsafePointer<UInt8>, _ range: Range<Int>) -> Bool {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = UnsafeBufferPointer(start: base + range.lowerBound, count: range.count).makeIterator()
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid: continue
            case .error: return false
            case .emptyInput: return true
            }
        }
    }

    static func string(_ base: UnsafePointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(start: base + range.lowerBound, count: range.count), as: UTF8.self)
    }
}
