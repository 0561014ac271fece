public import InfermonCore

/// The `labels` profile: a file source whose lines are truth labels, not events
/// (`{"request_id": "…", "name": "outcome", "value": 1, "source": "chargebacks", "time": …}`,
/// the records of `POST /api/v1/labels` and `infermon labels import`). The tailer
/// stores each line's label with the checkpoint that covers it, so labels are read
/// exactly once like events; a bad line is a dead letter with its position.
/// `name` defaults to `outcome`, the performance stage's default label name.
public struct LabelLineProfile: EventProfile {
    public var name: String { ProfileKind.labels.rawValue }
    public var defaultName: String

    public init(defaultName: String = TruthLabel.defaultOutcomeName) { self.defaultName = defaultName }

    /// Label lines never become events.
    public func decode(validUTF8 line: UnsafeBufferPointer<UInt8>) throws -> InferenceEvent {
        throw EventDecodingError("the labels profile reads truth labels, not events")
    }

    /// One line as a label, stamped `receivedAt` unless it carries its own `time`.
    public func decodeLabel(validUTF8 line: UnsafeBufferPointer<UInt8>, receivedAt: Timestamp) throws
        -> TruthLabel
    {
        var scanner = JSONScanner(line)
        let value: JSONValue
        do {
            value = try scanner.readValue()
            try scanner.expectEnd()
        } catch let error as JSONSyntaxError {
            throw EventDecodingError("invalid JSON: \(error)", kind: .invalidJSON)
        }
        do {
            return try TruthLabelDecoder.label(value, record: 1, defaultName: defaultName, receivedAt: receivedAt)
        } catch let error as TruthLabelDecoder.DecodeError {
            let prefix = "record 1: "
            let message =
                error.message.hasPrefix(prefix) ? String(error.message.dropFirst(prefix.count)) : error.message
            throw EventDecodingError(message, kind: .schema)
        }
    }
}
