import InfermonCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

typealias OTLPTraceRequest = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest
typealias OTLPSpan = Opentelemetry_Proto_Trace_V1_Span

/// Reads an OTLP/HTTP JSON body into the same messages the protobuf decoder
/// produces, so both encodings share one mapping to events.
///
/// The OTLP JSON mapping is not quite proto3's canonical JSON: trace and span
/// ids are hex rather than base64, and enums are written as integers. Field
/// names are lowerCamelCase; the original snake_case names are accepted too, as
/// the Collector does. Unknown fields are ignored, as the specification requires,
/// so newer senders keep working.
struct OTLPJSONReader {
    typealias Members = [(key: String, value: JSONValue)]

    static func request(_ root: JSONValue) throws(OTLPDecodingError) -> OTLPTraceRequest {
        var request = OTLPTraceRequest()
        let top = try object(root, path: "request")
        for (index, item) in try list(top, "resourceSpans", "resource_spans", path: "").enumerated() {
            request.resourceSpans.append(try resourceSpans(item, path: "resourceSpans[\(index)]"))
        }
        return request
    }

    private static func resourceSpans(_ value: JSONValue, path: String) throws(OTLPDecodingError)
        -> Opentelemetry_Proto_Trace_V1_ResourceSpans
    {
        var result = Opentelemetry_Proto_Trace_V1_ResourceSpans()
        let members = try object(value, path: path)
        if let resource = member(members, "resource") {
            let fields = try object(resource, path: path + ".resource")
            result.resource.attributes = try attributes(fields, path: path + ".resource")
        }
        for (index, item) in try list(members, "scopeSpans", "scope_spans", path: path).enumerated() {
            let scopePath = "\(path).scopeSpans[\(index)]"
            let scopeMembers = try object(item, path: scopePath)
            var scopeSpans = Opentelemetry_Proto_Trace_V1_ScopeSpans()
            if let scope = member(scopeMembers, "scope") {
                let fields = try object(scope, path: scopePath + ".scope")
                scopeSpans.scope.name = try string(fields, "name", path: scopePath + ".scope") ?? ""
                scopeSpans.scope.version = try string(fields, "version", path: scopePath + ".scope") ?? ""
            }
            for (spanIndex, span) in try list(scopeMembers, "spans", path: scopePath).enumerated() {
                scopeSpans.spans.append(try self.span(span, path: "\(scopePath).spans[\(spanIndex)]"))
            }
            result.scopeSpans.append(scopeSpans)
        }
        return result
    }

    private static func span(_ value: JSONValue, path: String) throws(OTLPDecodingError) -> OTLPSpan {
        let members = try object(value, path: path)
        var span = OTLPSpan()
        span.traceID = Data(try id(members, "traceId", "trace_id", length: 16, path: path))
        span.spanID = Data(try id(members, "spanId", "span_id", length: 8, path: path))
        span.parentSpanID = Data(try id(members, "parentSpanId", "parent_span_id", length: 8, path: path))
        span.traceState = try string(members, "traceState", "trace_state", path: path) ?? ""
        span.name = try string(members, "name", path: path) ?? ""
        if let kind = try enumValue(members, "kind", prefix: "SPAN_KIND_", path: path) {
            span.kind = OTLPSpan.SpanKind(rawValue: kind) ?? .unspecified
        }
        span.startTimeUnixNano = try unsigned(members, "startTimeUnixNano", "start_time_unix_nano", path: path) ?? 0
        span.endTimeUnixNano = try unsigned(members, "endTimeUnixNano", "end_time_unix_nano", path: path) ?? 0
        span.attributes = try attributes(members, path: path)
        for (index, item) in try list(members, "events", path: path).enumerated() {
            let eventPath = "\(path).events[\(index)]"
            let fields = try object(item, path: eventPath)
            var event = OTLPSpan.Event()
            event.name = try string(fields, "name", path: eventPath) ?? ""
            event.timeUnixNano = try unsigned(fields, "timeUnixNano", "time_unix_nano", path: eventPath) ?? 0
            event.attributes = try attributes(fields, path: eventPath)
            span.events.append(event)
        }
        if let status = member(members, "status") {
            let fields = try object(status, path: path + ".status")
            span.status.message = try string(fields, "message", path: path + ".status") ?? ""
            if let code = try enumValue(fields, "code", prefix: "STATUS_CODE_", path: path + ".status") {
                span.status.code = Opentelemetry_Proto_Trace_V1_Status.StatusCode(rawValue: code) ?? .unset
            }
        }
        return span
    }

    // MARK: Attribute values

    private static func attributes(_ members: Members, path: String) throws(OTLPDecodingError) -> [OTLPKeyValue] {
        var result: [OTLPKeyValue] = []
        for (index, item) in try list(members, "attributes", path: path).enumerated() {
            result.append(try keyValue(item, path: "\(path).attributes[\(index)]"))
        }
        return result
    }

    private static func keyValue(_ value: JSONValue, path: String) throws(OTLPDecodingError) -> OTLPKeyValue {
        let members = try object(value, path: path)
        var pair = OTLPKeyValue()
        guard let key = try string(members, "key", path: path) else { throw malformed(path, "attribute without a key") }
        pair.key = key
        if let value = member(members, "value") { pair.value = try anyValue(value, path: "\(path).value") }
        return pair
    }

    private static func anyValue(_ value: JSONValue, path: String) throws(OTLPDecodingError) -> OTLPAnyValue {
        let members = try object(value, path: path)
        var result = OTLPAnyValue()
        if let text = member(members, "stringValue", "string_value") {
            guard case .string(let string) = text else { throw malformed(path, "stringValue must be a string") }
            result.stringValue = string
        } else if let flag = member(members, "boolValue", "bool_value") {
            guard case .bool(let bool) = flag else { throw malformed(path, "boolValue must be true or false") }
            result.boolValue = bool
        } else if let integer = member(members, "intValue", "int_value") {
            guard let int = signedInteger(integer) else { throw malformed(path, "intValue must be a 64-bit integer") }
            result.intValue = int
        } else if let number = member(members, "doubleValue", "double_value") {
            guard let double = double(number) else { throw malformed(path, "doubleValue must be a number") }
            result.doubleValue = double
        } else if let array = member(members, "arrayValue", "array_value") {
            let fields = try object(array, path: path + ".arrayValue")
            var values = Opentelemetry_Proto_Common_V1_ArrayValue()
            for (index, item) in try list(fields, "values", path: path + ".arrayValue").enumerated() {
                values.values.append(try anyValue(item, path: "\(path).arrayValue.values[\(index)]"))
            }
            result.arrayValue = values
        } else if let list = member(members, "kvlistValue", "kvlist_value") {
            let fields = try object(list, path: path + ".kvlistValue")
            var values = Opentelemetry_Proto_Common_V1_KeyValueList()
            for (index, item) in try self.list(fields, "values", path: path + ".kvlistValue").enumerated() {
                values.values.append(try keyValue(item, path: "\(path).kvlistValue.values[\(index)]"))
            }
            result.kvlistValue = values
        } else if let bytes = member(members, "bytesValue", "bytes_value") {
            guard case .string(let text) = bytes, let data = Data(base64Encoded: text) else {
                throw malformed(path, "bytesValue must be base64 text")
            }
            result.bytesValue = data
        }
        return result
    }

    // MARK: Scalars

    /// A member by any of its names; JSON null counts as absent, as in proto3 JSON.
    private static func member(_ members: Members, _ names: String...) -> JSONValue? {
        for name in names {
            if let value = members.first(where: { $0.key == name })?.value {
                if case .null = value { return nil }
                return value
            }
        }
        return nil
    }

    private static func object(_ value: JSONValue, path: String) throws(OTLPDecodingError) -> Members {
        guard case .object(let members) = value else { throw malformed(path, "expected an object") }
        return members
    }

    private static func list(_ members: Members, _ names: String..., path: String) throws(OTLPDecodingError)
        -> [JSONValue]
    {
        guard let value = names.lazy.compactMap({ member(members, $0) }).first else { return [] }
        guard case .array(let items) = value else { throw malformed(child(path, names[0]), "expected a list") }
        return items
    }

    private static func string(_ members: Members, _ names: String..., path: String) throws(OTLPDecodingError)
        -> String?
    {
        guard let value = names.lazy.compactMap({ member(members, $0) }).first else { return nil }
        guard case .string(let text) = value else { throw malformed(child(path, names[0]), "expected a string") }
        return text
    }

    /// fixed64 nanoseconds: a decimal string (the OTLP form, exact) or a plain number.
    private static func unsigned(_ members: Members, _ names: String..., path: String) throws(OTLPDecodingError)
        -> UInt64?
    {
        guard let value = names.lazy.compactMap({ member(members, $0) }).first else { return nil }
        switch value {
        case .string(let text): if let number = UInt64(text) { return number }
        case .number(let number):
            if number >= 0, number < 0x1p64, number == number.rounded() { return UInt64(number) }
        default: break
        }
        throw malformed(child(path, names[0]), "expected an unsigned 64-bit integer")
    }

    private static func signedInteger(_ value: JSONValue) -> Int64? {
        switch value {
        case .string(let text): return Int64(text)
        case .number(let number): return number == number.rounded() ? Int64(exactly: number) : nil
        default: return nil
        }
    }

    private static func double(_ value: JSONValue) -> Double? {
        switch value {
        case .number(let number): return number
        case .string(let text):
            switch text {
            case "NaN": return .nan
            case "Infinity": return .infinity
            case "-Infinity": return -.infinity
            default: return Double(text)
            }
        default: return nil
        }
    }

    /// An enum as its number (the OTLP form) or its full name (`SPAN_KIND_CLIENT`).
    private static func enumValue(_ members: Members, _ name: String, prefix: String, path: String)
        throws(OTLPDecodingError) -> Int?
    {
        guard let value = member(members, name) else { return nil }
        switch value {
        case .number(let number): if let code = Int(exactly: number) { return code }
        case .string(let text):
            let names: [String] =
                prefix == "SPAN_KIND_"
                ? ["UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"] : ["UNSET", "OK", "ERROR"]
            if text.hasPrefix(prefix), let index = names.firstIndex(of: String(text.dropFirst(prefix.count))) {
                return index
            }
            if let code = Int(text) { return code }
        default: break
        }
        throw malformed(child(path, name), "expected an enum number or name")
    }

    private static func id(_ members: Members, _ name: String, _ alias: String, length: Int, path: String)
        throws(OTLPDecodingError) -> [UInt8]
    {
        guard let text = try string(members, name, alias, path: path), !text.isEmpty else { return [] }
        guard let bytes = OTLPHex.decode(text, length: length) else {
            throw malformed(child(path, name), "expected \(length * 2) hex digits")
        }
        return bytes
    }

    private static func child(_ path: String, _ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    private static func malformed(_ path: String, _ message: String) -> OTLPDecodingError {
        OTLPDecodingError(.malformed, path.isEmpty ? message : "\(path): \(message)")
    }
}
