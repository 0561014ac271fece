public import InfermonCore

/// Reads truth labels from a body or a file: JSON lines, a JSON array, or one
/// object, each `{"request_id": "…", "name": "hallucinated", "value": true,
/// "source": "human"}`. `value` may be a boolean, a number or a string; `name`
/// defaults to the caller's `TruthLabelNaming` (or is required), `source` to `human`.
/// Optional `"time"` (RFC 3339 or Unix seconds/milliseconds) stamps when it was
/// labelled; otherwise it is stamped on arrival.
///
/// Why all-or-nothing: a body with one bad record is refused whole with the
/// record's position, so a labelling tool learns of its mistake at once rather
/// than through a silently smaller gold set.
public enum TruthLabelDecoder {
    public struct DecodeError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public static func decode(_ body: [UInt8], defaultName: String, receivedAt: Timestamp) throws -> [TruthLabel] {
        try decode(body, naming: .fixed(defaultName), receivedAt: receivedAt)
    }

    public static func decode(_ body: [UInt8], naming: TruthLabelNaming, receivedAt: Timestamp) throws
        -> [TruthLabel]
    {
        try body.withUnsafeBufferPointer { bytes in
            guard isValidUTF8(bytes) else { throw DecodeError(message: "body is not valid UTF-8") }
            var scanner = JSONScanner(bytes)
            var values: [JSONValue] = []
            do {
                if scanner.peek() == UInt8(ascii: "[") {
                    try scanner.readArray { values.append(try $0.readValue()) }
                    try scanner.expectEnd()
                } else {
                    while scanner.peek() != nil { values.append(try scanner.readValue()) }
                }
            } catch let error as JSONSyntaxError {
                throw DecodeError(message: "invalid JSON: \(error)")
            }
            return try values.enumerated().map { index, value in
                try label(value, record: index + 1, naming: naming, receivedAt: receivedAt)
            }
        }
    }

    static func label(_ value: JSONValue, record: Int, defaultName: String, receivedAt: Timestamp) throws
        -> TruthLabel
    {
        try label(value, record: record, naming: .fixed(defaultName), receivedAt: receivedAt)
    }

    static func label(_ value: JSONValue, record: Int, naming: TruthLabelNaming, receivedAt: Timestamp) throws
        -> TruthLabel
    {
        guard case .object(let pairs) = value else { throw DecodeError(message: "record \(record): not an object") }
        var requestID: String?
        var name = naming.defaultName
        var source = "human"
        var truth: TruthValue?
        var time = receivedAt
        for (key, member) in pairs {
            switch (key, member) {
            case ("request_id", .string(let text)): requestID = text
            case ("name", .string(let text)): name = text
            case ("source", .string(let text)): source = text
            case ("value", .bool(let flag)): truth = .bool(flag)
            case ("value", .number(let number)): truth = .number(number)
            case ("value", .string(let text)): truth = .string(text)
            case ("time", .number(let number)):
                guard let parsed = TimeParsing.epochMillis(number) else {
                    throw DecodeError(message: "record \(record): time \(number) is out of range")
                }
                time = parsed
            case ("time", .string(let text)):
                guard let parsed = TimeParsing.rfc3339Millis(text) else {
                    throw DecodeError(message: "record \(record): time \"\(text)\" is not RFC 3339 or Unix time")
                }
                time = parsed
            case ("request_id", _), ("name", _), ("source", _), ("value", _), ("time", _):
                throw DecodeError(message: "record \(record): \(key) has the wrong type")
            default: continue
            }
        }
        guard let requestID, !requestID.isEmpty else {
            throw DecodeError(message: "record \(record): request_id is missing")
        }
        guard let truth else { throw DecodeError(message: "record \(record): value is missing") }
        guard let name else { throw DecodeError(message: "record \(record): name is missing: \(naming.missing)") }
        guard !name.isEmpty, !source.isEmpty else {
            throw DecodeError(message: "record \(record): empty name or source")
        }
        return TruthLabel(requestID: requestID, name: name, value: truth, source: source, receivedAt: time)
    }
}
