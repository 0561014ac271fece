import Synchronization

/// A regular expression that must match the whole string, as Prometheus's RE2
/// matchers do. Literal and alternation-of-literal patterns, the common case
/// (`model=~"gpt-4o|gpt-4o-mini"`), skip the regex engine entirely.
public struct AnchoredRegex: Sendable, Hashable {
    public let pattern: String
    private let literals: Set<String>?
    private let compiled: RegexBox?

    public init(_ pattern: String) throws {
        self.pattern = pattern
        if let alternatives = Self.literalAlternatives(pattern) {
            literals = Set(alternatives)
            compiled = nil
        } else {
            literals = nil
            do {
                compiled = RegexBox(try Regex("^(?:" + pattern + ")$"))
            } catch {
                throw InfermonError.invalidArgument("invalid regular expression \"\(pattern)\": \(error)")
            }
        }
    }

    public func matches(_ candidate: String) -> Bool {
        if let literals { return literals.contains(candidate) }
        return compiled!.matches(candidate)
    }

    public static func == (lhs: AnchoredRegex, rhs: AnchoredRegex) -> Bool { lhs.pattern == rhs.pattern }
    public func hash(into hasher: inout Hasher) { hasher.combine(pattern) }

    /// `a|b|c` with no metacharacters, or nil.
    private static func literalAlternatives(_ pattern: String) -> [String]? {
        let meta: Set<Character> = ["\\", ".", "*", "+", "?", "(", ")", "[", "]", "{", "}", "^", "$"]
        if pattern.contains(where: { meta.contains($0) }) { return nil }
        return pattern.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
    }
}

/// Swift's `Regex` is not `Sendable`; matching never mutates it, and the lock only
/// guards the first-use compilation the runtime does lazily.
private final class RegexBox: Sendable {
    private let regex: Mutex<Regex<AnyRegexOutput>>

    init(_ regex: sending Regex<AnyRegexOutput>) { self.regex = Mutex(regex) }

    func matches(_ candidate: String) -> Bool {
        regex.withLock { (try? $0.wholeMatch(in: candidate)) != nil }
    }
}
