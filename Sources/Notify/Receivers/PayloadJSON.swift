import InfermonCore

/// Small builders for the JSON payloads, on top of `JSONValue` (which keeps key order).
enum PayloadJSON {
    static func object(_ pairs: [(String, JSONValue)]) -> JSONValue {
        .object(pairs.map { (key: $0.0, value: $0.1) })
    }

    static func labels(_ labels: Labels) -> JSONValue {
        .object(labels.pairs.map { (key: $0.name, value: .string($0.value)) })
    }

    static func strings(_ map: [String: String]) -> JSONValue {
        .object(map.sorted { $0.key < $1.key }.map { (key: $0.key, value: .string($0.value)) })
    }

    static func bytes(_ value: JSONValue) -> [UInt8] { Array(value.jsonText.utf8) }

    /// Time as Go's encoding/json writes it (RFC 3339, fraction without trailing
    /// zeros), which is what Alertmanager's consumers parse.
    static func time(_ millis: Timestamp) -> JSONValue { .string(TimeParsing.formatGoRFC3339(millis)) }

    /// Go's zero time, which Alertmanager puts in `endsAt` of firing alerts.
    static let zeroTime = "0001-01-01T00:00:00Z"

    /// Alertmanager's fingerprint text: 16 lowercase hex digits.
    static func fingerprint(_ value: UInt64) -> String {
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Cuts text to `limit` characters, marking the cut, as chat APIs reject longer fields.
    static func truncate(_ text: String, _ limit: Int) -> String {
        guard text.count > limit else { return text }
        return String(text.prefix(limit - 1)) + "…"
    }
}
