public import Hummingbird
import InfermonCore

/// Request parameters from the query string and, for POST, from an
/// `application/x-www-form-urlencoded` body, as the Prometheus API accepts both.
/// Repeated keys (`match[]`) keep every value.
///
/// Not Hummingbird's `uri.queryParameters`: it leaves names percent-encoded
/// (`match%5B%5D`, as Grafana sends them) and reads `+` as a plus, where Go's
/// clients (promtool, Grafana) encode a space. Its form decoder reads `+` right
/// but decodes into a fixed `Decodable` type, with its own reading of `[]` and
/// of repeated keys, where Prometheus takes the last of a repeated parameter.
public struct FormParameters: Sendable {
    public private(set) var values: [(name: String, value: String)] = []

    public init(query: String?) {
        if let query { append(parsing: query) }
    }

    public static func from(_ request: Request, maxBodyBytes: Int) async throws -> FormParameters {
        var parameters = FormParameters(query: request.uri.query)
        if request.method == .post,
            request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true
        {
            let body = try await request.body.collect(upTo: maxBodyBytes)
            parameters.append(parsing: String(buffer: body))
        }
        return parameters
    }

    public subscript(name: String) -> String? { values.last { $0.name == name }?.value }

    public func all(_ name: String) -> [String] { values.filter { $0.name == name }.map(\.value) }

    mutating func append(parsing text: String) {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.percentDecode(parts[0])
            let value = parts.count > 1 ? Self.percentDecode(parts[1]) : ""
            values.append((name, value))
        }
    }

    /// `+` is a space and `%XX` a byte, as HTML forms encode.
    static func percentDecode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(0x20)
            case UInt8(ascii: "%"):
                guard let high = iterator.next(), let low = iterator.next(),
                    let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
                else {
                    bytes.append(byte)
                    continue
                }
                bytes.append(value)
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
