public import InfermonCore

/// A judge prompt template. The file holds a system part and a user part,
/// separated by a line `---user---`; `{{context}}`, `{{prompt}}` and
/// `{{response}}` are replaced with the event's texts (already redacted at
/// ingest, and cut to a maximum length). Keeping the template in `rules/`
/// lets teams tune the judge without a new build.
public struct JudgePrompt: Sendable, Equatable {
    public static let separator = "---user---"

    public let system: String
    public let user: String

    public init(template: String) throws {
        let parts = template.components(separatedBy: "\n" + Self.separator + "\n")
        guard parts.count == 2 else {
            throw InfermonError.invalidInput("judge prompt template needs one line \"\(Self.separator)\"")
        }
        guard parts[1].contains("{{response}}") else {
            throw InfermonError.invalidInput("judge prompt template must contain {{response}}")
        }
        system = parts[0]
        user = parts[1]
    }

    /// The user message for one candidate. Placeholders inside the inserted
    /// texts are not expanded again, so a response cannot inject a template field.
    public func render(_ candidate: JudgeCandidate, maxCharacters: Int) -> String {
        let values: [String: String] = [
            "context": cut(candidate.context ?? "(no retrieved context)", maxCharacters),
            "prompt": cut(candidate.prompt ?? "(no prompt recorded)", maxCharacters),
            "response": cut(candidate.response ?? "", maxCharacters),
        ]
        var out = ""
        var rest = Substring(user)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.range(of: "}}") else {
                out += rest[open.lowerBound...]
                return out
            }
            let name = String(afterOpen[..<close.lowerBound])
            if let value = values[name] {
                out += value
            } else {
                out += rest[open.lowerBound..<close.upperBound]
            }
            rest = afterOpen[close.upperBound...]
        }
        out += rest
        return out
    }

    private func cut(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + " […]"
    }
}

extension String {
    fileprivate func components(separatedBy separator: String) -> [String] {
        var parts: [String] = []
        var rest = Substring(self)
        while let range = rest.range(of: separator) {
            parts.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }
}

extension StringProtocol {
    /// The first occurrence of `needle`, by characters.
    fileprivate func range(of needle: String) -> Range<Index>? {
        guard !needle.isEmpty else { return nil }
        var start = startIndex
        while start < endIndex {
            if self[start...].hasPrefix(needle) {
                return start..<index(start, offsetBy: needle.count)
            }
            start = index(after: start)
        }
        return nil
    }
}
