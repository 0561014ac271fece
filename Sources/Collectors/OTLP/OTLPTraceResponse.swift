import InfermonCore
import SwiftProtobuf

/// Bodies of OTLP/HTTP answers, in the encoding of the request they answer.
public enum OTLPTraceResponse {
    /// The body of a 200 answer: an `ExportTraceServiceResponse`, with
    /// `partial_success` set only when spans were rejected (the specification
    /// asks a server to leave it unset on full success, since clients log it).
    public static func success(for decoded: OTLPDecodedTraces) -> [UInt8] {
        let rejected = (decoded.rejected + decoded.outOfRange).sorted { $0.index < $1.index }
        guard !rejected.isEmpty else {
            return success(rejectedSpans: 0, errorMessage: "", encoding: decoded.encoding)
        }
        var message = "\(rejected.count) span(s) rejected"
        let examples = rejected.prefix(3).map { "#\($0.index): \($0.reason)" }
        message += ": " + examples.joined(separator: "; ")
        if rejected.count > examples.count { message += "; …" }
        return success(rejectedSpans: rejected.count, errorMessage: message, encoding: decoded.encoding)
    }

    public static func success(rejectedSpans: Int, errorMessage: String, encoding: OTLPEncoding) -> [UInt8] {
        var response = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceResponse()
        if rejectedSpans > 0 || !errorMessage.isEmpty {
            response.partialSuccess.rejectedSpans = Int64(rejectedSpans)
            response.partialSuccess.errorMessage = errorMessage
        }
        do {
            switch encoding {
            case .protobuf: return try response.serializedBytes()
            case .json: return try response.jsonUTF8Bytes()
            }
        } catch {
            // Encoding a message built from an Int and a String has no way to fail.
            preconditionFailure("cannot encode ExportTraceServiceResponse: \(error)")
        }
    }

    /// The body of a 4xx/5xx answer: a `google.rpc.Status`, as OTLP/HTTP requires.
    /// `code` is a gRPC status code (3 INVALID_ARGUMENT for a malformed body,
    /// 8 RESOURCE_EXHAUSTED when the queue is full, 14 UNAVAILABLE while stopping).
    /// Encoded by hand: two fields do not justify generating google/rpc/status.proto.
    public static func status(code: Int32, message: String, encoding: OTLPEncoding) -> [UInt8] {
        switch encoding {
        case .protobuf:
            var out: [UInt8] = []
            if code != 0 {
                out.append(0x08)  // field 1, varint
                appendVarint(UInt64(bitPattern: Int64(code)), to: &out)
            }
            if !message.isEmpty {
                out.append(0x12)  // field 2, length-delimited
                appendVarint(UInt64(message.utf8.count), to: &out)
                out += message.utf8
            }
            return out
        case .json:
            return Array(
                JSONValue.object([("code", .number(Double(code))), ("message", .string(message))]).jsonText.utf8)
        }
    }

    /// gRPC status codes the receiver uses, for `status(code:message:encoding:)`.
    public enum Code {
        public static let invalidArgument: Int32 = 3
        public static let resourceExhausted: Int32 = 8
        public static let unauthenticated: Int32 = 16
        public static let unavailable: Int32 = 14
    }
}
