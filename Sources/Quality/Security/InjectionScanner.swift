/// Prompt-injection markers in prompts and retrieved context: phrases that try
/// to override the instructions, invisible Unicode tag characters (U+E0000–
/// U+E007F, which smuggle text a reviewer cannot see), and long base64 blobs
/// (encoded payloads). One pass; phrases are matched word by word, case-insensitively.
enum InjectionScanner {
    static func scan(_ b: UnsafeBufferPointer<UInt8>, base64MinLength: Int, into findings: inout [SecurityFinding]) {
        var i = 0
        var base64Start = -1
        var base64Classes: UInt8 = 0
        let count = b.count
        while i < count {
            let byte = b[i]
            // Tag characters are F3 A0 80 80 ... F3 A0 81 BF in UTF-8.
            if byte == 0xF3, i + 3 < count, b[i + 1] == 0xA0, b[i + 2] == 0x80 || b[i + 2] == 0x81 {
                var end = i + 4
                while end + 3 < count, b[end] == 0xF3, b[end + 1] == 0xA0, b[end + 2] == 0x80 || b[end + 2] == 0x81 {
                    end += 4
                }
                findings.append(SecurityFinding(kind: .invisibleUnicode, range: i..<end))
                i = end
                continue
            }
            let isBase64 =
                ByteClass.isAlnum(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/")
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            if isBase64 {
                if base64Start < 0 {
                    base64Start = i
                    base64Classes = 0
                }
                base64Classes |=
                    ByteClass.isDigit(byte) ? 1 : (ByteClass.isUpper(byte) ? 2 : (ByteClass.isLower(byte) ? 4 : 0))
            } else {
                closeBase64(start: base64Start, end: i, classes: base64Classes, minimum: base64MinLength, b, &findings)
                base64Start = -1
            }
            // Phrase triggers start a word with one of a few letters.
            if ByteClass.isLower(byte | 0x20), i == 0 || !ByteClass.isAlnum(b[i - 1]),
                let range = OverridePhrases.match(b, at: i)
            {
                findings.append(SecurityFinding(kind: .injectionPhrase, range: range))
            }
            i += 1
        }
        closeBase64(start: base64Start, end: count, classes: base64Classes, minimum: base64MinLength, b, &findings)
    }

    /// A run counts as a blob when it is long and mixes upper case, lower case
    /// and digits, which hex digests, long words and URLs do not.
    private static func closeBase64(
        start: Int, end: Int, classes: UInt8, minimum: Int, _ b: UnsafeBufferPointer<UInt8>,
        _ findings: inout [SecurityFinding]
    ) {
        guard start >= 0 else { return }
        var stop = end
        while stop < b.count, b[stop] == UInt8(ascii: "="), stop - end < 2 { stop += 1 }
        if end - start >= minimum && classes == 7 {
            findings.append(SecurityFinding(kind: .base64Blob, range: start..<stop))
        }
    }
}

/// The instruction-override phrases: a verb, a few filler words, and an
/// object, in the order attackers write them ("ignore all previous
/// instructions", "disregard the above rules", "reveal your system prompt").
/// A qualifier such as "previous" or "system" is required, so ordinary
/// sentences ("ignore the noise", "follow the instructions") do not match.
enum OverridePhrases {
    private static let overrideVerbs: Set<String> = ["ignore", "disregard", "forget", "override", "bypass"]
    private static let revealVerbs: Set<String> = ["reveal", "print", "show", "repeat", "output", "leak", "display"]
    private static let fillers: Set<String> = [
        "all", "any", "the", "your", "my", "of", "these", "those", "everything", "you", "were", "been", "given",
        "told", "and", "every", "its",
    ]
    private static let qualifiers: Set<String> = [
        "previous", "prior", "above", "earlier", "preceding", "initial", "original", "system", "hidden", "secret",
        "developer", "safety",
    ]
    private static let objects: Set<String> = [
        "instruction", "instructions", "prompt", "prompts", "rules", "directions", "guidelines", "directives",
        "message", "messages", "context", "guardrails", "restrictions",
    ]
    private static let verbBytes: [[UInt8]] = (overrideVerbs.union(revealVerbs)).map { Array($0.utf8) }

    static func match(_ b: UnsafeBufferPointer<UInt8>, at start: Int) -> Range<Int>? {
        // Cheap filters before any allocation: the first letter, then the whole first word.
        switch b[start] | 0x20 {
        case UInt8(ascii: "i"), UInt8(ascii: "d"), UInt8(ascii: "f"), UInt8(ascii: "o"), UInt8(ascii: "b"),
            UInt8(ascii: "r"), UInt8(ascii: "p"), UInt8(ascii: "s"), UInt8(ascii: "l"):
            break
        default:
            return nil
        }
        var end = start
        while end < b.count, ByteClass.isAlnum(b[end]), end - start < 10 { end += 1 }
        let length = end - start
        guard length >= 4, length <= 9 else { return nil }
        let isVerb = verbBytes.contains { verb in
            verb.count == length && (0..<length).allSatisfy { ByteClass.lowercased(b[start + $0]) == verb[$0] }
        }
        guard isVerb else { return nil }
        var reader = WordReader(b, position: start)
        guard let verb = reader.next() else { return nil }
        let isOverride = overrideVerbs.contains(verb)
        guard isOverride || revealVerbs.contains(verb) else { return nil }
        var qualified = false
        for _ in 0..<6 {
            guard let word = reader.next() else { return nil }
            if objects.contains(word) {
                return qualified ? start..<reader.position : nil
            }
            if qualifiers.contains(word) {
                qualified = true
            } else if !fillers.contains(word) {
                return nil
            }
        }
        return nil
    }

    /// Reads lowercase ASCII words, skipping spaces and punctuation but
    /// stopping at sentence ends, without allocating more than the words.
    struct WordReader {
        let b: UnsafeBufferPointer<UInt8>
        var position: Int

        init(_ b: UnsafeBufferPointer<UInt8>, position: Int) {
            self.b = b
            self.position = position
        }

        mutating func next() -> String? {
            while position < b.count, !ByteClass.isAlnum(b[position]) {
                let byte = b[position]
                if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "!") || byte == UInt8(ascii: "?")
                    || byte == UInt8(ascii: "\n")
                {
                    return nil
                }
                position += 1
            }
            let start = position
            var word: [UInt8] = []
            while position < b.count, ByteClass.isAlnum(b[position]), position - start < 24 {
                word.append(ByteClass.lowercased(b[position]))
                position += 1
            }
            return word.isEmpty ? nil : String(decoding: word, as: UTF8.self)
        }
    }
}
