import Crypto
import InfermonCore

/// A Standard Webhooks signing secret: `whsec_` followed by base64 of the key.
/// Its description never shows the key, so it can sit in logged structs.
public struct WebhookSecret: Sendable, Equatable, CustomStringConvertible {
    let key: [UInt8]

    public init(_ text: String) throws {
        let trimmed = text.trimmingSpaces
        guard trimmed.hasPrefix("whsec_") else {
            throw InfermonError.invalidArgument("webhook secrets must have the form whsec_<base64>")
        }
        guard let key = Base64.decode(String(trimmed.dropFirst(6))), (24...64).contains(key.count) else {
            throw InfermonError.invalidArgument("a whsec_ secret must hold 24 to 64 base64-encoded bytes")
        }
        self.key = key
    }

    public var description: String { "whsec_<redacted>" }
}

/// Signs a payload the Standard Webhooks way: HMAC-SHA256 over
/// `id.timestamp.body`, sent as `webhook-signature: v1,<base64>`.
public enum WebhookSigner {
    public static func signature(id: String, timestamp: Int64, body: [UInt8], secret: WebhookSecret) -> String {
        var signed = Array("\(id).\(timestamp).".utf8)
        signed += body
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: secret.key))
        return "v1," + Base64.encode(Array(mac))
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

extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
