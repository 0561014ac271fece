public import InfermonCore

/// Why one input line did not become an event; this text is what the dead-letter table shows.
public struct EventDecodingError: Error, Sendable, CustomStringConvertible {
    public var kind: DeadLetter.Kind
    public var reason: String
    public init(_ reason: String, kind: DeadLetter.Kind = .schema) {
        self.reason = reason
        self.kind = kind
    }
    public var description: String { reason }
}

/// Maps one source format onto `InferenceEvent`. A profile is chosen per source,
/// so a gateway's JSONL and an OTLP stream can land in the same store.
public protocol EventProfile: Sendable {
    var name: String { get }
    /// Decodes one line (one JSON document) that is already known to be valid UTF-8.
    func decode(validUTF8 line: UnsafeBufferPointer<UInt8>) throws -> InferenceEvent
    /// The same, written into `event` where it lies (a batch's storage): an event
    /// is a few hundred bytes, and returning it by value copies it at every layer.
    /// `event` comes in as `InferenceEvent(timestamp: .min)`; a profile may leave
    /// what the line does not set as it is. `strings` is the reader's, kept from
    /// line to line, for label values that repeat.
    func decode(
        validUTF8 line: UnsafeBufferPointer<UInt8>, into event: inout InferenceEvent, strings: inout StringInterner
    ) throws
}

extension EventProfile {
    public func decode(
        validUTF8 line: UnsafeBufferPointer<UInt8>, into event: inout InferenceEvent, strings: inout StringInterner
    ) throws {
        event = try decode(validUTF8: line)
    }

    /// Checks the bytes, then decodes; every failure comes back as an `EventDecodingError`.
    public func decode(_ line: UnsafeBufferPointer<UInt8>) throws(EventDecodingError) -> InferenceEvent {
        var event = InferenceEvent(timestamp: .min)
        var strings = StringInterner()
        try decode(line, into: &event, strings: &strings)
        return event
    }

    /// Checks the bytes, then decodes into `event` in place; every failure comes
    /// back as an `EventDecodingError`.
    public func decode(
        _ line: UnsafeBufferPointer<UInt8>, into event: inout InferenceEvent, strings: inout StringInterner
    ) throws(EventDecodingError) {
        guard isValidUTF8(line) else { throw EventDecodingError("invalid UTF-8", kind: .invalidUTF8) }
        do {
            try decode(validUTF8: line, into: &event, strings: &strings)
        } catch let error as EventDecodingError {
            throw error
        } catch let error as JSONSyntaxError {
            throw EventDecodingError("invalid JSON: \(error)", kind: .invalidJSON)
        } catch {
            throw EventDecodingError("\(error)")
        }
    }

    public func decode(_ line: [UInt8]) throws(EventDecodingError) -> InferenceEvent {
        try line.withUnsafeBufferPointer { (buffer) throws(EventDecodingError) -> InferenceEvent in
            try decode(buffer)
        }
    }

    public func decode(_ line: String) throws(EventDecodingError) -> InferenceEvent {
        try decode(Array(line.utf8))
    }
}

/// The profiles a source can name in config or on the command line.
public enum ProfileKind: String, CaseIterable, Sendable {
    case native
    case openai
    case otelGenAI = "otel-genai"
    case litellm
    /// Truth labels (delayed ground truth), one per line; see `LabelLineProfile`.
    case labels

    public func makeProfile() -> any EventProfile {
        switch self {
        case .labels: LabelLineProfile()
        case .native: NativeProfile()
        case .openai: OpenAIProfile()
        case .otelGenAI: OTelGenAIProfile()
        case .litellm: LiteLLMProfile()
        }
    }

    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
