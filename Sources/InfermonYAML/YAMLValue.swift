public import InfermonCore
import Synchronization
import Yams

#if canImport(Glibc)
    import Glibc
#endif

/// A YAML node that knows where it came from, so every error names file:line:col.
/// Decoding by hand rather than through Codable is deliberate: it rejects unknown
/// keys, and it can point at the exact key or value that is wrong.
///
/// Every file infermon reads as YAML (the configuration, rule files, rule tests,
/// dashboards, the price table) goes through this type; none of them sees the
/// YAML library's own node type.
public struct YAMLValue {
    let node: Node
    public let file: String
    /// Dotted path from the root, for messages (`sources[0].paths`).
    public let path: String

    init(node: Node, file: String, path: String = "") {
        self.node = node
        self.file = file
        self.path = path
    }

    /// Parses YAML text; syntax errors come back with their position.
    public static func parse(_ text: String, file: String) throws -> YAMLValue {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                return YAMLValue(node: .mapping(Node.Mapping([])), file: file)
            }
            return YAMLValue(node: node, file: file)
        } catch let error as YamlError {
            throw yamlError(error, file: file)
        }
    }

    /// Set in tests to learn every key a load could have accepted, so the
    /// example configuration can be checked to document them all.
    @TaskLocal public static var keyAudit: KeyAudit?

    public final class KeyAudit: Sendable {
        private let seen = Mutex<Set<String>>([])
        public init() {}
        func record(_ keys: Set<String>) { seen.withLock { $0.formUnion(keys) } }
        /// Every key of every mapping read so far.
        public var keys: Set<String> { seen.withLock { $0 } }
    }

    public var location: SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }

    public func error(_ message: String) -> InfermonError {
        InfermonError.invalidInput(path.isEmpty ? message : "\(path): \(message)", at: location)
    }

    private func child(_ node: Node, _ step: String) -> YAMLValue {
        YAMLValue(
            node: node, file: file, path: path.isEmpty ? step : (step.hasPrefix("[") ? path + step : "\(path).\(step)"))
    }

    // MARK: Mappings

    /// The members of a mapping, refusing any key not in `allowed`.
    public func mapping(allowed: Set<String>) throws -> YAMLMapping {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping, found \(kind)") }
        Self.keyAudit?.record(allowed)
        var members: [(key: String, keyNode: Node, value: YAMLValue)] = []
        var seen: Set<String> = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                throw YAMLValue(node: keyNode, file: file, path: path).error("keys must be plain strings")
            }
            let key = scalar.string
            let keyValue = YAMLValue(node: keyNode, file: file, path: path)
            guard allowed.contains(key) else {
                let suggestion = allowed.min { editDistance($0, key) < editDistance($1, key) }
                let hint = suggestion.flatMap { editDistance($0, key) <= 3 ? " (did you mean \"\($0)\"?)" : nil } ?? ""
                throw keyValue.error("unknown key \"\(key)\"\(hint)")
            }
            guard seen.insert(key).inserted else { throw keyValue.error("duplicate key \"\(key)\"") }
            members.append((key, keyNode, child(valueNode, key)))
        }
        return YAMLMapping(owner: self, members: members)
    }

    /// A mapping whose keys are data (label names, budget names), in file order.
    public func entries() throws -> [(key: String, value: YAMLValue)] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping, found \(kind)") }
        return try mapping.map { keyNode, valueNode in
            guard case .scalar(let scalar) = keyNode else {
                throw YAMLValue(node: keyNode, file: file, path: path).error("keys must be plain strings")
            }
            return (scalar.string, child(valueNode, scalar.string))
        }
    }

    public func sequence() throws -> [YAMLValue] {
        guard case .sequence(let sequence) = node else { throw error("expected a list, found \(kind)") }
        return sequence.enumerated().map { index, element in child(element, "[\(index)]") }
    }

    /// A list, or a single value standing for a list of one.
    public func sequenceOrSingle() throws -> [YAMLValue] {
        if case .sequence = node { return try sequence() }
        return [self]
    }

    // MARK: Scalars

    private var scalar: Node.Scalar? {
        if case .scalar(let scalar) = node { return scalar }
        return nil
    }

    /// How a scalar was written, for mapping positions inside its text back to the file.
    public enum ScalarStyle: Sendable {
        case plain, singleQuoted, doubleQuoted
        /// `|` blocks.
        case literal
        /// `>` blocks.
        case folded
    }

    /// The style of a scalar; nil for mappings, lists and aliases.
    public var scalarStyle: ScalarStyle? {
        switch scalar?.style {
        case .plain: .plain
        case .singleQuoted: .singleQuoted
        case .doubleQuoted: .doubleQuoted
        case .literal: .literal
        case .folded: .folded
        case .any, nil: nil
        }
    }

    public var isScalar: Bool { scalar != nil }

    public var isNull: Bool {
        guard let scalar else { return false }
        return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    public func string() throws -> String {
        guard let scalar else { throw error("expected a string, found \(kind)") }
        return scalar.string
    }

    public func stringList() throws -> [String] { try sequenceOrSingle().map { try $0.string() } }

    /// A file path or glob, taken relative to the directory of the file this
    /// value was read from, as Prometheus does: a configuration then means the
    /// same whatever the working directory (a unit's is its state directory).
    ///
    /// `${NAME}` in a path is the environment variable NAME (an error when it is
    /// unset or empty), and `${NAME:-default}` is `default` when NAME is unset or empty, as
    /// in a shell: `${CREDENTIALS_DIRECTORY:-.}/token` is the token systemd's
    /// `LoadCredential=` hands the service, and `token` beside this file when run
    /// by hand. Expansion comes first, so a relative result is still taken
    /// relative to this file. A `$` not followed by `{` is an ordinary character.
    public func filePath() throws -> String {
        let text = try expandingVariables(try string())
        guard !text.isEmpty, !text.hasPrefix("/"), let slash = file.lastIndex(of: "/") else { return text }
        return String(file[...slash]) + text
    }

    /// A string with `${NAME}` and `${NAME:-default}` replaced as in `filePath()`,
    /// for the few values meant to differ per host while the file is shared
    /// (external labels, as Prometheus's `expand-external-labels`).
    public func expandedString() throws -> String { try expandingVariables(try string()) }

    /// Variables for `${NAME}` in paths; nil reads the process environment. Set in tests.
    @TaskLocal public static var environment: [String: String]?

    private func expandingVariables(_ text: String) throws -> String {
        guard text.contains("${") else { return text }
        var result = ""
        var rest = Substring(text)
        while let start = rest.firstRange(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw error("\"\(text)\": \"${\" without a closing \"}\"")
            }
            let reference = rest[start.upperBound..<end]
            let name: Substring
            let fallback: Substring?
            if let separator = reference.firstRange(of: ":-") {
                name = reference[..<separator.lowerBound]
                fallback = reference[separator.upperBound...]
            } else {
                name = reference
                fallback = nil
            }
            guard !name.isEmpty, name.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }),
                !name.first!.isNumber
            else { throw error("\"\(text)\": \"${\(reference)}\" is not a variable reference") }
            let value = Self.environment.map { $0[String(name)] } ?? getenv(String(name)).map { String(cString: $0) }
            if let value, !value.isEmpty {
                result += value
            } else if let fallback {
                result += fallback
            } else {
                throw error(
                    "\"\(text)\": environment variable \(name) is not set or empty"
                        + " (write ${\(name):-DEFAULT} for a value to use without it)")
            }
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }

    public func filePathList() throws -> [String] { try sequenceOrSingle().map { try $0.filePath() } }

    public func bool() throws -> Bool {
        guard let scalar, scalar.style == .plain else { throw error("expected true or false, found \(kind)") }
        switch scalar.string {
        case "true", "True", "TRUE", "yes": return true
        case "false", "False", "FALSE", "no": return false
        default: throw error("expected true or false, found \"\(scalar.string)\"")
        }
    }

    public func int(in range: ClosedRange<Int> = Int.min...Int.max) throws -> Int {
        guard let scalar, scalar.style == .plain, let value = Int(scalar.string.filter { $0 != "_" }) else {
            throw error("expected a whole number, found \(describeScalar)")
        }
        guard range.contains(value) else {
            throw error("\(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    public func double() throws -> Double {
        guard let scalar, scalar.style == .plain, let value = Double(scalar.string.filter { $0 != "_" }),
            value.isFinite
        else { throw error("expected a number, found \(describeScalar)") }
        return value
    }

    /// A Prometheus-style duration (`30s`, `5m`, `1h30m`, `7d`).
    public func duration() throws -> Duration {
        guard let scalar, let millis = TimeParsing.durationMillis(scalar.string) else {
            throw error("expected a duration such as 30s, 5m or 7d, found \(describeScalar)")
        }
        return .milliseconds(millis)
    }

    /// One of a fixed set of words.
    public func oneOf(_ choices: [String]) throws -> String {
        let value = try string()
        guard choices.contains(value) else {
            throw error("\"\(value)\" is not one of \(choices.joined(separator: ", "))")
        }
        return value
    }

    private var kind: String {
        switch node {
        case .scalar(let scalar): "\"\(scalar.string)\""
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    private var describeScalar: String { kind }
}

/// A mapping whose keys were checked; members are read by name.
public struct YAMLMapping {
    public let owner: YAMLValue
    let members: [(key: String, keyNode: Node, value: YAMLValue)]

    public subscript(key: String) -> YAMLValue? {
        guard let value = members.first(where: { $0.key == key })?.value, !value.isNull else { return nil }
        return value
    }

    public func required(_ key: String) throws -> YAMLValue {
        guard let value = self[key] else { throw owner.error("missing required key \"\(key)\"") }
        return value
    }

    public var keys: [String] { members.map(\.key) }
}

func yamlError(_ error: YamlError, file: String) -> InfermonError {
    switch error {
    case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
        .composer(let context, let problem, let mark, _):
        let detail = context.map { "\($0.text) " } ?? ""
        return InfermonError.invalidInput(
            "YAML syntax: \(detail)\(problem)", at: SourceLocation(file: file, line: mark.line, column: mark.column))
    case .reader(let problem, _, _, _):
        return InfermonError.invalidInput("YAML: \(problem)", at: SourceLocation(file: file, line: 1, column: 1))
    default:
        return InfermonError.invalidInput("YAML: \(error)", at: SourceLocation(file: file, line: 1, column: 1))
    }
}

/// Levenshtein distance, for "did you mean" hints on misspelt keys.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + [Int](repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
