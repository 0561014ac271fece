public import InfermonCore
import InfermonYAML

/// A value kept out of the config file: given inline, read from a file, or
/// from an environment variable, resolved when the daemon starts.
public enum SecretSource: Sendable, Equatable, CustomStringConvertible {
    case inline(String)
    case file(String, at: SourceLocation)
    case environment(String, at: SourceLocation)

    public func resolve(environment: [String: String]) throws -> String {
        switch self {
        case .inline(let value):
            return value
        case .file(let path, let location):
            do {
                return try readTextFile(path).trimming(" \t\r\n")
            } catch {
                throw InfermonError.invalidInput("cannot read \(path): \(error)", at: location)
            }
        case .environment(let name, let location):
            guard let value = environment[name], !value.isEmpty else {
                throw InfermonError.invalidInput("environment variable \(name) is not set", at: location)
            }
            return value
        }
    }

    /// Where in the config file it was given, for errors found when resolving it.
    public var location: SourceLocation? {
        switch self {
        case .inline: nil
        case .file(_, let location), .environment(_, let location): location
        }
    }

    /// Never the value itself.
    public var description: String {
        switch self {
        case .inline: "<inline>"
        case .file(let path, _): "file \(path)"
        case .environment(let name, _): "env \(name)"
        }
    }
}
