import InfermonCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

typealias OTLPAnyValue = Opentelemetry_Proto_Common_V1_AnyValue
typealias OTLPKeyValue = Opentelemetry_Proto_Common_V1_KeyValue

/// Attribute values as plain JSON, the shape `OTelGenAIMapping` reads and the
/// event's `attributes` column keeps.
extension Opentelemetry_Proto_Common_V1_AnyValue {
    var jsonValue: JSONValue {
        switch value {
        case .stringValue(let text): .string(text)
        case .boolValue(let flag): .bool(flag)
        case .intValue(let integer): .number(Double(integer))
        // JSON has no NaN or infinity; keep them readable rather than turning them into null.
        case .doubleValue(let number): number.isFinite ? .number(number) : .string("\(number)")
        case .arrayValue(let array): .array(array.values.map(\.jsonValue))
        case .kvlistValue(let list): .object(list.values.map { ($0.key, $0.value.jsonValue) })
        case .bytesValue(let bytes): .string(bytes.base64EncodedString())
        // A reference into a profiles dictionary; traces never carry one.
        case .stringValueStrindex, nil: .null
        }
    }
}

extension [Opentelemetry_Proto_Common_V1_KeyValue] {
    var jsonMembers: [(key: String, value: JSONValue)] { map { ($0.key, $0.value.jsonValue) } }
}

/// Hex text of trace and span ids, as OTLP JSON writes them.
enum OTLPHex {
    private static let digits = Array("0123456789abcdef".utf8)

    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Bytes of a hex string of exactly `length` bytes (either case); nil otherwise.
    static func decode(_ text: String, length: Int) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count == length * 2 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(length)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
