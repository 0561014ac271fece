import Crypto
import InfermonCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A Standard Webhooks signing secret: `whsec_` followed by base64 of the key.
/// Its description never shows the key, so it can sit in logged structs.
public struct WebhookSecret: Sendable, Equatable, CustomStringConvertible {
    let key: [UInt8]

    public init(_ text: String) throws {
        let trimmed = text.trimming(where: \.isWhitespace)
        guard trimmed.hasPrefix("whsec_") else {
            throw InfermonError.invalidArgument("webhook secrets must have the form whsec_<base64>")
        }
        guard let key = Self.decodeBase64(String(trimmed.dropFirst(6))), (24...64).contains(key.count) else {
            throw InfermonError.invalidArgument("a whsec_ secret must hold 24 to 64 base64-encoded bytes")
        }
        self.key = key
    }

    public var description: String { "whsec_<redacted>" }

    /// Padded or unpadded base64 (RFC 4648); Foundation's decoder wants the padding.
    static func decodeBase64(_ text: String) -> [UInt8]? {
        var padded = text
        while padded.utf8.count % 4 != 0 { padded += "=" }
        return Data(base64Encoded: padded).map { Array($0) }
    }
}

/// Signs a payload the Standard Webhooks way: HMAC-SHA256 over
/// `id.timestamp.body`, sent as `webhook-signature: v1,<base64>`.
public enum WebhookSigner {
    public static func signature(id: String, timestamp: Int64, body: [UInt8], secret: WebhookSecret) -> String {
        var signed = Array("\(id).\(timestamp).".utf8)
        signed += body
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: secret.key))
        return "v1," + Data(mac).base64EncodedString()
    }

    /// The three headers of a signed message (`webhook-signature` only with a secret).
    public static func headers(id: String, timestamp: Int64, body: [UInt8], secret: WebhookSecret?) -> [(
        String, String
    )] {
        var headers = [("webhook-id", id), ("webhook-timestamp", String(timestamp))]
        if let secret {
            headers.append(("webhook-signature", signature(id: id, timestamp: timestamp, body: body, secret: secret)))
        }
        return headers
    }
}
