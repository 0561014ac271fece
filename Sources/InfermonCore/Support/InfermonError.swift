/// A position in a text file, for errors a user must be able to find.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// The error every infermon module throws for conditions a user can act on.
/// A struct around a private code, so new kinds can be added without breaking
/// anyone's exhaustive switch.
public struct InfermonError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case invalidArgument
        case invalidInput
        case io
        case storage
        case timeout
        case limitExceeded
        case unavailable
    }

    private let code: Code
    public let message: String
    public let location: SourceLocation?

    private init(_ code: Code, _ message: String, location: SourceLocation? = nil) {
        self.code = code
        self.message = message
        self.location = location
    }

    /// A caller passed something that cannot work (bad flag, bad regex, bad query).
    public static func invalidArgument(_ message: String, at location: SourceLocation? = nil) -> Self {
        Self(.invalidArgument, message, location: location)
    }
    /// A file or payload does not fit its format (config, rule file, log line).
    public static func invalidInput(_ message: String, at location: SourceLocation? = nil) -> Self {
        Self(.invalidInput, message, location: location)
    }
    public static func io(_ message: String) -> Self { Self(.io, message) }
    public static func storage(_ message: String) -> Self { Self(.storage, message) }
    public static func timeout(_ message: String) -> Self { Self(.timeout, message) }
    public static func limitExceeded(_ message: String) -> Self { Self(.limitExceeded, message) }
    public static func unavailable(_ message: String) -> Self { Self(.unavailable, message) }

    public var isInvalidArgument: Bool { code == .invalidArgument }
    public var isInvalidInput: Bool { code == .invalidInput }
    public var isIO: Bool { code == .io }
    public var isStorage: Bool { code == .storage }
    public var isTimeout: Bool { code == .timeout }
    public var isLimitExceeded: Bool { code == .limitExceeded }
    public var isUnavailable: Bool { code == .unavailable }

    public var description: String {
        if let location { return "\(location): \(message)" }
        return message
    }
}
