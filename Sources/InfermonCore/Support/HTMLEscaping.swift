/// Escapes text for an HTML page, in element content and in quoted attribute
/// values alike: `&`, `<`, `>`, `"` and `'` become entities. The web UI and
/// the HTML reports both write data (labels, expressions, errors) through it.
public func escapeHTML(_ text: String) -> String {
    guard text.contains(where: { "&<>\"'".contains($0) }) else { return text }
    var out = ""
    out.reserveCapacity(text.utf8.count + 16)
    for character in text {
        switch character {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(character)
        }
    }
    return out
}
