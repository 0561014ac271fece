/// Data exfiltration shapes in responses: a markdown image (`![x](url)`, or an
/// HTML `<img src=…>`) or link whose URL points at an outside host and carries
/// data in its query string. An injected instruction can make a model write
/// such an image; the chat client then fetches it and hands the data to the
/// attacker without anyone clicking. Images count with any query value of 8 or
/// more characters; links (which need a click) from 24. The query string is
/// what gets redacted, since it is the payload.
enum ExfiltrationScanner {
    static let imageValueMinimum = 8
    static let linkValueMinimum = 24

    static func scan(_ b: UnsafeBufferPointer<UInt8>, allowedHosts: [String], into findings: inout [SecurityFinding]) {
        var i = 0
        let count = b.count
        while i + 1 < count {
            let byte = b[i]
            if byte == UInt8(ascii: "]"), b[i + 1] == UInt8(ascii: "(") {
                let isImage = markdownImageOpens(b, closingBracket: i)
                if let query = dataQuery(b, urlStart: i + 2, image: isImage, allowedHosts: allowedHosts) {
                    findings.append(SecurityFinding(kind: .exfiltration, range: query))
                    i = query.upperBound
                    continue
                }
            } else if byte == UInt8(ascii: "<"), i + 4 < count, ByteClass.lowercased(b[i + 1]) == UInt8(ascii: "i"),
                ByteClass.lowercased(b[i + 2]) == UInt8(ascii: "m"), ByteClass.lowercased(b[i + 3]) == UInt8(ascii: "g")
            {
                var cursor = i + 4
                while cursor + 4 < count, b[cursor] != UInt8(ascii: ">"), cursor - i < 512 {
                    if ByteClass.lowercased(b[cursor]) == UInt8(ascii: "s"),
                        ByteClass.lowercased(b[cursor + 1]) == UInt8(ascii: "r"),
                        ByteClass.lowercased(b[cursor + 2]) == UInt8(ascii: "c"), b[cursor + 3] == UInt8(ascii: "=")
                    {
                        var urlStart = cursor + 4
                        if urlStart < count, b[urlStart] == UInt8(ascii: "\"") || b[urlStart] == UInt8(ascii: "'") {
                            urlStart += 1
                        }
                        if let query = dataQuery(b, urlStart: urlStart, image: true, allowedHosts: allowedHosts) {
                            findings.append(SecurityFinding(kind: .exfiltration, range: query))
                        }
                        break
                    }
                    cursor += 1
                }
            }
            i += 1
        }
    }

    /// Whether the `[` matching this `]` (on the same line) is preceded by `!`.
    private static func markdownImageOpens(_ b: UnsafeBufferPointer<UInt8>, closingBracket: Int) -> Bool {
        var cursor = closingBracket - 1
        while cursor >= 0, closingBracket - cursor < 1024, b[cursor] != UInt8(ascii: "\n") {
            if b[cursor] == UInt8(ascii: "[") { return cursor > 0 && b[cursor - 1] == UInt8(ascii: "!") }
            cursor -= 1
        }
        return false
    }

    /// The query string's byte range when the URL at `urlStart` is absolute,
    /// its host is not allowed, and some query value is long enough to be data.
    static func dataQuery(_ b: UnsafeBufferPointer<UInt8>, urlStart: Int, image: Bool, allowedHosts: [String])
        -> Range<Int>?
    {
        var cursor = urlStart
        while cursor < b.count, b[cursor] == UInt8(ascii: " ") || b[cursor] == UInt8(ascii: "<") { cursor += 1 }
        for scheme in ["https://", "http://"] where matchesCaseInsensitive(b, at: cursor, scheme) {
            cursor += scheme.utf8.count
            let hostStart = cursor
            while cursor < b.count,
                ByteClass.isAlnum(b[cursor]) || b[cursor] == UInt8(ascii: ".")
                    || b[cursor] == UInt8(ascii: "-") || b[cursor] == UInt8(ascii: "_")
            {
                cursor += 1
            }
            let host = String(decoding: UnsafeBufferPointer(rebasing: b[hostStart..<cursor]), as: UTF8.self)
                .lowercased()
            guard !host.isEmpty, !isAllowed(host, allowedHosts) else { return nil }
            while cursor < b.count, !isURLEnd(b[cursor]), b[cursor] != UInt8(ascii: "?") { cursor += 1 }
            guard cursor < b.count, b[cursor] == UInt8(ascii: "?") else { return nil }
            let queryStart = cursor
            var longestValue = 0
            var valueLength = -1
            cursor += 1
            while cursor < b.count, !isURLEnd(b[cursor]), b[cursor] != UInt8(ascii: "#") {
                switch b[cursor] {
                case UInt8(ascii: "&"), UInt8(ascii: ";"): valueLength = -1
                case UInt8(ascii: "="): if valueLength < 0 { valueLength = 0 } else { valueLength += 1 }
                default: if valueLength >= 0 { valueLength += 1 }
                }
                longestValue = max(longestValue, valueLength)
                cursor += 1
            }
            // A bare `?payload` with no `=` carries data too.
            if valueLength < 0 && longestValue == 0 { longestValue = cursor - queryStart - 1 }
            let minimum = image ? imageValueMinimum : linkValueMinimum
            return longestValue >= minimum ? queryStart..<cursor : nil
        }
        return nil
    }

    @inline(__always) private static func isURLEnd(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ")") || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\"")
            || byte == UInt8(ascii: "'") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "\n")
    }

    static func isAllowed(_ host: String, _ allowedHosts: [String]) -> Bool {
        allowedHosts.contains { allowed in host == allowed || host.hasSuffix("." + allowed) }
    }

    private static func matchesCaseInsensitive(_ b: UnsafeBufferPointer<UInt8>, at start: Int, _ literal: String)
        -> Bool
    {
        let bytes = Array(literal.utf8)
        guard start + bytes.count <= b.count else { return false }
        return (0..<bytes.count).allSatisfy { ByteClass.lowercased(b[start + $0]) == bytes[$0] }
    }
}
