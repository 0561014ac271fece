/// Go's `regexp` as the templates use it: unanchored matching, and
/// `ReplaceAllString` with `$1`, `${1}`, `$name` and `$$` in the replacement.
/// Swift's Regex reads the RE2 syntax alert rules use (classes, groups,
/// alternation, repetition) the same way.
enum GoRegex {
    static func compile(_ pattern: String) throws -> Regex<AnyRegexOutput> {
        do {
            return try Regex(pattern)
        } catch {
            throw TemplateFunctionError("error parsing regexp: \(error)")
        }
    }

    static func matches(pattern: String, in text: String) throws -> Bool {
        let regex = try compile(pattern)
        return (try? regex.firstMatch(in: text)) != nil
    }

    static func replaceAll(pattern: String, in text: String, with template: String) throws -> String {
        let regex = try compile(pattern)
        return text.replacing(regex) { match in expand(template, match) }
    }

    /// Go's `Regexp.Expand`: `$name` takes the longest run of word characters,
    /// so `$1x` is the group named `1x` (empty), not group 1 followed by x.
    static func expand(_ template: String, _ match: Regex<AnyRegexOutput>.Match) -> String {
        var out = ""
        var characters = Substring(template)
        while let dollar = characters.firstIndex(of: "$") {
            out += characters[..<dollar]
            characters = characters[characters.index(after: dollar)...]
            if characters.first == "$" {
                out += "$"
                characters = characters.dropFirst()
                continue
            }
            var name: Substring
            if characters.first == "{" {
                guard let close = characters.firstIndex(of: "}") else {
                    out += "$"
                    continue
                }
                name = characters[characters.index(after: characters.startIndex)..<close]
                guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
                else {
                    out += "$"
                    continue
                }
                characters = characters[characters.index(after: close)...]
            } else {
                name = characters.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
                guard !name.isEmpty else {
                    out += "$"
                    continue
                }
                characters = characters.dropFirst(name.count)
            }
            if let number = Int(name) {
                if number < match.output.count, let group = match.output[number].substring { out += group }
            } else if let group = match.output[String(name)]?.substring {
                out += group
            }
        }
        out += characters
        return out
    }
}
