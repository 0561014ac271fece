/// A light English suffix stripper, so "founded", "founding" and "founder"
/// meet "found" when a claim is compared with its context. It is deliberately
/// simpler than Porter's algorithm: groundedness only needs two forms of one
/// word to meet, not linguistically correct stems, and a short rule list keeps
/// scoring fast and predictable. Input is lowercase; stems keep at least three letters.
enum EnglishStemmer {
    /// Derivational and inflectional endings, longest first within each group.
    private static let suffixes: [(suffix: String, replacement: String)] = [
        ("ational", "ate"), ("ization", "ize"), ("fulness", "ful"), ("iveness", "ive"), ("ousness", "ous"),
        ("ations", "ate"), ("ation", "ate"), ("ments", ""), ("ment", ""), ("nesses", ""), ("ness", ""),
        ("ities", ""), ("ity", ""), ("ingly", ""), ("edly", ""), ("ings", ""), ("ing", ""), ("ers", ""),
        ("er", ""), ("est", ""), ("ied", "y"), ("ies", "y"), ("ed", ""), ("ly", ""), ("ful", ""), ("ous", ""),
        ("ive", ""), ("al", ""), ("es", ""), ("s", ""),
    ]

    static func stem(_ word: String) -> String {
        guard word.utf8.count > 3, word.utf8.allSatisfy({ $0 >= 0x61 && $0 <= 0x7A }) else { return word }
        var bytes = Array(word.utf8)
        for (suffix, replacement) in suffixes {
            let suffixBytes = Array(suffix.utf8)
            guard bytes.count - suffixBytes.count + replacement.utf8.count >= 3, bytes.count > suffixBytes.count,
                bytes.suffix(suffixBytes.count).elementsEqual(suffixBytes)
            else { continue }
            // "ss" is not a plural ("class", "glass"); "us"/"is" endings are not either ("status", "analysis").
            if suffix == "s", bytes.count >= 2, [0x73, 0x75, 0x69].contains(bytes[bytes.count - 2]) { continue }
            bytes.removeLast(suffixBytes.count)
            bytes += replacement.utf8
            // "stopped" -> "stopp" -> "stop": undouble a final consonant left behind.
            if replacement.isEmpty, bytes.count >= 4, bytes[bytes.count - 1] == bytes[bytes.count - 2],
                !isVowel(bytes[bytes.count - 1]), ![0x6C, 0x73, 0x7A].contains(bytes[bytes.count - 1])
            {
                bytes.removeLast()
            }
            // "created" -> "creat" and "create" -> "creat" meet; "e" is dropped in both paths.
            break
        }
        if bytes.count > 3, bytes.last == 0x65 { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func isVowel(_ byte: UInt8) -> Bool {
        byte == 0x61 || byte == 0x65 || byte == 0x69 || byte == 0x6F || byte == 0x75
    }
}
