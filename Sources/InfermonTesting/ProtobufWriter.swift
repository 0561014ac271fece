/// Just enough protobuf writing to build OTLP requests field by field, for tests
/// that need a span no SDK would send (hostile numbers, broken names).
public enum ProtobufWriter {
    public static func varint(_ value: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        var rest = value
        while rest >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        out.append(UInt8(rest))
        return out
    }

    /// A length-delimited field.
    public static func field(_ number: UInt64, _ bytes: [UInt8]) -> [UInt8] {
        varint(number << 3 | 2) + varint(UInt64(bytes.count)) + bytes
    }

    public static func fixed64(_ number: UInt64, _ value: UInt64) -> [UInt8] {
        varint(number << 3 | 1) + (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }

    public static func attribute(_ key: String, string: String) -> [UInt8] {
        field(1, Array(key.utf8)) + field(2, field(1, Array(string.utf8)))
    }

    public static func attribute(_ key: String, int: Int64) -> [UInt8] {
        field(1, Array(key.utf8)) + field(2, varint(3 << 3) + varint(UInt64(bitPattern: int)))
    }

    public static func attribute(_ key: String, double: Double) -> [UInt8] {
        field(1, Array(key.utf8)) + field(2, fixed64(4, double.bitPattern))
    }

    public static func span(
        traceID: [UInt8], spanID: [UInt8], name: String = "", nameBytes: [UInt8]? = nil, start: UInt64, end: UInt64,
        attributes: [[UInt8]]
    ) -> [UInt8] {
        var out = field(1, traceID) + field(2, spanID) + field(5, nameBytes ?? Array(name.utf8))
        out += fixed64(7, start) + fixed64(8, end)
        for attribute in attributes { out += field(9, attribute) }
        return out
    }

    /// ExportTraceServiceRequest{resource_spans{scope_spans{spans…}}}.
    public static func request(spans: [[UInt8]]) -> [UInt8] {
        field(1, field(2, spans.flatMap { field(2, $0) }))
    }
}
