import InfermonCore

/// The two OTLP/HTTP payload encodings. A receiver answers in the encoding of
/// the request, so the client's own decoder can read the answer.
public enum OTLPEncoding: String, Sendable, Hashable, CaseIterable {
    /// `application/x-protobuf`: what the OpenTelemetry SDKs and the Collector send by default.
    case protobuf
    /// `application/json`: the OTLP JSON mapping (hex ids, 64-bit integers as strings).
    case json

    /// Reads a request's `Content-Type`, ignoring parameters such as `charset`.
    public init(contentType: String) throws(OTLPDecodingError) {
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first ?? ""
        switch mediaType.filter({ $0 != " " && $0 != "\t" }).lowercased() {
        case "application/x-protobuf", "application/protobuf": self = .protobuf
        case "application/json": self = .json
        default:
            throw OTLPDecodingError(
                .unsupportedContentType,
                "unsupported content type \"\(contentType)\"; OTLP/HTTP uses application/x-protobuf or application/json"
            )
        }
    }

    /// The `Content-Type` of a response in this encoding.
    public var contentType: String {
        switch self {
        case .protobuf: "application/x-protobuf"
        case .json: "application/json"
        }
    }
}

/// Why an OTLP request body could not be read at all. Per-span problems are not
/// errors: those spans are rejected one by one and reported in `partial_success`.
public struct OTLPDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The receiver should answer 415 Unsupported Media Type.
        case unsupportedContentType
        /// The body does not parse in its encoding; the receiver should answer 400.
        case malformed
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
