import Collectors
import InfermonCore
import Testing

/// The answers an OTLP exporter reads back: `ExportTraceServiceResponse` with
/// `partial_success` only when something was rejected, and `google.rpc.Status`
/// for failures, each in the request's encoding.
@Suite("OTLP trace responses")
struct OTLPTraceResponseTests {
    @Test func fullSuccessLeavesPartialSuccessUnset() {
        let decoded = OTLPDecodedTraces(events: [], rejected: [], ignoredSpans: 3, encoding: .protobuf)
        #expect(OTLPTraceResponse.success(for: decoded) == [])
        let json = OTLPDecodedTraces(encoding: .json)
        #expect(String(decoding: OTLPTraceResponse.success(for: json), as: UTF8.self) == "{}")
    }

    @Test func rejectedSpansAreReportedInProtobuf() throws {
        let decoded = OTLPDecodedTraces(
            rejected: [(2, "span \"a\": missing model"), (5, "span \"b\": bad")], encoding: .protobuf)
        let body = OTLPTraceResponse.success(for: decoded)
        // ExportTraceServiceResponse.partial_success (1) → rejected_spans (1), error_message (2).
        let outer = ProtobufReader.fields(body)
        try #require(outer.count == 1 && outer[0].field == 1)
        let inner = ProtobufReader.fields(try #require(outer[0].value.bytes))
        try #require(inner.count == 2)
        #expect(inner[0].field == 1 && inner[0].value.integer == 2)
        #expect(inner[1].field == 2)
        let text = String(decoding: try #require(inner[1].value.bytes), as: UTF8.self)
        #expect(text.contains("2 span(s) rejected") && text.contains("#2: span \"a\": missing model"))
    }

    @Test func rejectedSpansAreReportedInJSONWithInt64AsString() {
        let decoded = OTLPDecodedTraces(rejected: [(0, "x")], encoding: .json)
        let text = String(decoding: OTLPTraceResponse.success(for: decoded), as: UTF8.self)
        #expect(text.hasPrefix(#"{"partialSuccess":{"rejectedSpans":"1","errorMessage":"#))
    }

    @Test func failureStatus() throws {
        let protobuf = OTLPTraceResponse.status(
            code: OTLPTraceResponse.Code.resourceExhausted, message: "queue full", encoding: .protobuf)
        let fields = ProtobufReader.fields(protobuf)
        try #require(fields.count == 2)
        #expect(fields[0].field == 1 && fields[0].value.integer == 8)
        #expect(fields[1].field == 2 && fields[1].value.bytes == Array("queue full".utf8))
        let json = OTLPTraceResponse.status(code: 3, message: "bad \"body\"", encoding: .json)
        #expect(String(decoding: json, as: UTF8.self) == #"{"code":3,"message":"bad \"body\""}"#)
    }
}

/// Reads varint and length-delimited protobuf fields, enough to check responses.
struct ProtobufReader {
    enum Value {
        case integer(UInt64)
        case bytes([UInt8])
        var integer: UInt64? { if case .integer(let value) = self { value } else { nil } }
        var bytes: [UInt8]? { if case .bytes(let value) = self { value } else { nil } }
    }

    let data: [UInt8]
    var position = 0

    init(_ data: [UInt8]) { self.data = data }

    /// Every field in order; stops at the first thing it cannot read.
    static func fields(_ data: [UInt8]) -> [(field: UInt64, value: Value)] {
        var reader = ProtobufReader(data)
        var out: [(field: UInt64, value: Value)] = []
        while let field = reader.next() { out.append(field) }
        return out
    }

    private mutating func varint() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while position < data.count {
            let byte = data[position]
            position += 1
            result |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return result }
            shift += 7
        }
        return nil
    }

    mutating func next() -> (field: UInt64, value: Value)? {
        guard let key = varint() else { return nil }
        switch key & 7 {
        case 0: return varint().map { (key >> 3, .integer($0)) }
        case 2:
            guard let length = varint(), position + Int(length) <= data.count else { return nil }
            defer { position += Int(length) }
            return (key >> 3, .bytes(Array(data[position..<(position + Int(length))])))
        default: return nil
        }
    }
}
