public import InfermonCore

/// Reads an `ExportTraceServiceRequest` in protobuf straight from its bytes:
/// resource_spans → scope_spans → spans, keeping only what `OTLPSpanMapping`
/// uses. Every byte is still checked as swift-protobuf checks it (the tests
/// hold the generated messages up against this reader), so a body is refused
/// or accepted as before; what is saved is building a message tree that is
/// mostly thrown away (HTTP and tool spans, scopes, links, ids of parents).
///
/// Depths count messages from the request (1) down, as swift-protobuf's
/// `messageDepthLimit` does: resource_spans 2, resource and scope_spans 3,
/// scope and span 4, span attributes, events, links and status 5.
struct OTLPProtobufReader {
    let base: UnsafePointer<UInt8>
    let attributes: OTLPAttributeReader
    var timestamps: TimestampPolicy?
    var now: Timestamp
    var result = OTLPDecodedTraces(encoding: .protobuf)
    var index = 0
    /// Reused for every span, so checking a span allocates nothing.
    var spanAttributes: [OTLPKeyValueEntry] = []
    var eventAttributes: [OTLPKeyValueEntry] = []

    init(base: UnsafePointer<UInt8>, timestamps: TimestampPolicy?, now: Timestamp) {
        self.base = base
        self.attributes = OTLPAttributeReader(base: base)
        self.timestamps = timestamps
        self.now = now
    }

    static func decode(_ body: UnsafeBufferPointer<UInt8>, timestamps: TimestampPolicy?, now: Timestamp)
        throws(ProtobufWireError) -> OTLPDecodedTraces
    {
        guard let base = body.baseAddress, !body.isEmpty else { return OTLPDecodedTraces(encoding: .protobuf) }
        var reader = OTLPProtobufReader(base: base, timestamps: timestamps, now: now)
        var cursor = ProtobufCursor(base, from: 0, to: body.count)
        while let (field, wire) = try cursor.nextTag() {
            if field == 1, wire == .lengthDelimited {
                try reader.resourceSpans(cursor.lengthDelimited())
            } else {
                try cursor.skip(wire, field: field, depth: 1)
            }
        }
        return reader.result
    }

    /// The resource may come after its spans, and come twice (merged): its
    /// attributes are gathered first, then the spans are read.
    private mutating func resourceSpans(_ range: Range<Int>) throws(ProtobufWireError) {
        var cursor = ProtobufCursor(base, from: range.lowerBound, to: range.upperBound)
        var resource: [OTLPKeyValueEntry] = []
        var scopes: [Range<Int>] = []
        while let (field, wire) = try cursor.nextTag() {
            switch (field, wire) {
            case (1, .lengthDelimited): try self.resource(cursor.lengthDelimited(), into: &resource)
            case (2, .lengthDelimited): scopes.append(try cursor.lengthDelimited())
            case (3, .lengthDelimited): _ = try cursor.string()
            default: try cursor.skip(wire, field: field, depth: 2)
            }
        }
        let members = attributes.members(resource)
        for scope in scopes { try scopeSpans(scope, resource: members) }
    }

    private func resource(_ range: Range<Int>, into entries: inout [OTLPKeyValueEntry]) throws(ProtobufWireError) {
        var cursor = ProtobufCursor(base, from: range.lowerBound, to: range.upperBound)
        while let (field, wire) = try cursor.nextTag() {
            switch (field, wire) {
            case (1, .lengthDelimited): entries.append(try attributes.keyValue(cursor.lengthDelimited(), depth: 4))
            case (2, .varint): _ = try cursor.varint()
            case (3, .lengthDelimited): try entityRef(cursor.lengthDelimited())
            default: try cursor.skip(wire, field: field, depth: 3)
            }
        }
    }

    /// `EntityRef` (depth 4): four string fields, two of them repeated.
    private func entityRef(_ range: Range<Int>) throws(ProtobufWireError) {
        var cursor = ProtobufCursor(base, from: range.lowerBound, to: range.upperBound)
        while let (field, wire) = try cursor.nextTag() {
            if (1...4).contains(field), wire == .lengthDelimited {
                _ = try cursor.string()
            } else {
                try cursor.skip(wire, field: field, depth: 4)
            }
        }
    }

    private mutating func scopeSpans(_ range: Range<Int>, resource: [(key: String, value: JSONValue)])
        throws(ProtobufWireError)
    {
        var cursor = ProtobufCursor(base, from: range.lowerBound, to: range.upperBound)
        while let (field, wire) = try cursor.nextTag() {
            switch (field, wire) {
            case (1, .lengthDelimited): try scope(cursor.lengthDelimited())
            case (2, .lengthDelimited): try span(cursor.lengthDelimited(), resource: resource)
            case (3, .lengthDelimited): _ = try cursor.string()
            default: try cursor.skip(wire, field: field, depth: 3)
            }
        }
    }

    /// `InstrumentationScope` (depth 4): checked, not kept.
    private func scope(_ range: Range<Int>) throws(ProtobufWireError) {
        var cursor = ProtobufCursor(base, from: range.lowerBound, to: range.upperBound)
        while let (field, wire) = try cursor.nextTag() {
            switch (field, wire) {
            case (1, .lengthDelimited), (2, .lengthDelimited): _ = try cursor.string()
            case (3, .lengthDelimited): try attributes.checkKeyValue(cursor.lengthDelimited(), depth: 5)
            case (4, .varint): _ = try cursor.varint()
            default: try cursor.skip(wire, field: field, depth: 4)
            }
        }
    }
}
