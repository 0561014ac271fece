/// Finds secrets and personal data in one pass over UTF-8 bytes, with no
/// regular expressions: each byte is looked at once, and only a few trigger
/// bytes (`@`, digits, `+`, capitals, `s`, `g`, `x`, `-`) start a closer look.
/// Every shape is validated before it counts (Luhn for cards, mod-97 and
/// country length for IBANs, exact lengths for key prefixes), because a
/// monitor that cries "credit card" at every order number gets ignored.
enum SensitiveDataScanner {
    static func scan(_ b: UnsafeBufferPointer<UInt8>, into findings: inout [SecurityFinding]) {
        let count = b.count
        var i = 0
        while i < count {
            let byte = b[i]
            if ByteClass.isAlnum(byte) {
                // A word starts here: only its first byte can open a shape; the rest is skipped in a tight loop.
                if let (kind, range) = wordStart(b, at: i) {
                    if let kind { findings.append(SecurityFinding(kind: kind, range: range)) }
                    i = max(range.upperBound, i + 1)
                    // An AWS access key id is usually followed by its secret.
                    if kind == .apiKey,
                        b[range.lowerBound + 1] == UInt8(ascii: "K") || b[range.lowerBound + 1] == UInt8(ascii: "S"),
                        b[range.lowerBound] == UInt8(ascii: "A"), let secret = AWSSecretShapes.secret(b, from: i)
                    {
                        findings.append(SecurityFinding(kind: .apiKey, range: secret))
                        i = secret.upperBound
                    }
                    continue
                }
                if byte | 0x20 == UInt8(ascii: "a") || byte | 0x20 == UInt8(ascii: "s"),
                    let (_, secret) = AWSSecretShapes.labelled(b, at: i)
                {
                    findings.append(SecurityFinding(kind: .apiKey, range: secret))
                    i = secret.upperBound
                    continue
                }
                i += 1
                while i < count, ByteClass.isAlnum(b[i]) { i += 1 }
                continue
            }
            switch byte {
            case UInt8(ascii: "@"):
                if let range = email(b, at: i) {
                    findings.append(SecurityFinding(kind: .email, range: range))
                    i = range.upperBound
                    continue
                }
            case UInt8(ascii: "+"), UInt8(ascii: "("):
                if i == 0 || !ByteClass.isAlnum(b[i - 1]), let (kind, range) = NumberShapes.classify(b, at: i) {
                    if let kind { findings.append(SecurityFinding(kind: kind, range: range)) }
                    i = max(range.upperBound, i + 1)
                    continue
                }
            case UInt8(ascii: "-"):
                if let range = privateKeyBlock(b, at: i) {
                    findings.append(SecurityFinding(kind: .privateKey, range: range))
                    i = range.upperBound
                    continue
                }
            default:
                break
            }
            i += 1
        }
    }

    /// What starts at the first byte of a word: a digit run (card, phone or
    /// nothing, with the span to skip), an API key or an IBAN; nil to move on.
    @inline(__always)
    private static func wordStart(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> (SecurityFindingKind?, Range<Int>)? {
        let byte = b[i]
        if ByteClass.isDigit(byte) { return NumberShapes.classify(b, at: i) }
        guard
            ByteClass.isUpper(byte) || byte == UInt8(ascii: "s") || byte == UInt8(ascii: "g")
                || byte == UInt8(ascii: "x")
        else { return nil }
        if let range = KeyShapes.apiKey(b, at: i) { return (.apiKey, range) }
        if ByteClass.isUpper(byte), let range = iban(b, at: i) { return (.iban, range) }
        return nil
    }

    /// `local@domain.tld`: the local part is read backwards from the `@`.
    static func email(_ b: UnsafeBufferPointer<UInt8>, at sign: Int) -> Range<Int>? {
        var start = sign
        while start > 0, ByteClass.isAlnum(b[start - 1]) || isEmailLocalExtra(b[start - 1]) { start -= 1 }
        while start < sign, b[start] == UInt8(ascii: ".") { start += 1 }
        guard start < sign else { return nil }
        var end = sign + 1
        var lastDot = -1
        var labelLength = 0
        while end < b.count {
            let byte = b[end]
            if ByteClass.isAlnum(byte) || byte == UInt8(ascii: "-") {
                labelLength += 1
            } else if byte == UInt8(ascii: "."), labelLength > 0, end + 1 < b.count, ByteClass.isAlnum(b[end + 1]) {
                lastDot = end
                labelLength = 0
            } else {
                break
            }
            end += 1
        }
        guard lastDot > sign + 1 else { return nil }
        // The top-level domain is at least two letters.
        let tld = (lastDot + 1)..<end
        guard tld.count >= 2, tld.allSatisfy({ ByteClass.isUpper(b[$0]) || ByteClass.isLower(b[$0]) }) else {
            return nil
        }
        return start..<end
    }

    @inline(__always) private static func isEmailLocalExtra(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "%")
            || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
    }

    /// Two capitals, two check digits, then letters and digits, optionally in
    /// groups of four separated by single spaces; validated by mod-97.
    static func iban(_ b: UnsafeBufferPointer<UInt8>, at start: Int) -> Range<Int>? {
        guard start + 15 <= b.count, ByteClass.isUpper(b[start + 1]), ByteClass.isDigit(b[start + 2]),
            ByteClass.isDigit(b[start + 3])
        else { return nil }
        var characters: [UInt8] = [b[start], b[start + 1], b[start + 2], b[start + 3]]
        var end = start + 4
        while end < b.count, characters.count < 34 {
            let byte = b[end]
            if ByteClass.isDigit(byte) || ByteClass.isUpper(byte) {
                characters.append(byte)
                end += 1
            } else if byte == UInt8(ascii: " "), end + 1 < b.count,
                ByteClass.isDigit(b[end + 1]) || ByteClass.isUpper(b[end + 1]), (characters.count % 4) == 0
            {
                end += 1
            } else {
                break
            }
        }
        // A grouped IBAN may end mid-group; try the longest valid prefix the country allows.
        guard let expected = Checksums.ibanLengths[String(decoding: characters.prefix(2), as: UTF8.self)],
            characters.count >= expected
        else { return nil }
        let candidate = Array(characters.prefix(expected))
        guard Checksums.iban(candidate) else { return nil }
        // Walk the byte range forward to cover exactly `expected` characters.
        var taken = 0
        var stop = start
        while taken < expected {
            if b[stop] != UInt8(ascii: " ") { taken += 1 }
            stop += 1
        }
        if stop < b.count, ByteClass.isAlnum(b[stop]) { return nil }
        return start..<stop
    }

    /// `-----BEGIN … PRIVATE KEY-----` through its END line (or the end of the text when cut off).
    static func privateKeyBlock(_ b: UnsafeBufferPointer<UInt8>, at start: Int) -> Range<Int>? {
        guard start + 27 <= b.count, b[start + 1] == UInt8(ascii: "-"), b[start + 4] == UInt8(ascii: "-") else {
            return nil
        }
        let begin = Array("-----BEGIN ".utf8)
        guard matches(b, at: start, begin) else { return nil }
        var lineEnd = start + begin.count
        while lineEnd < b.count, b[lineEnd] != UInt8(ascii: "\n"), lineEnd - start < 80 { lineEnd += 1 }
        let marker = Array("PRIVATE KEY-----".utf8)
        guard lineEnd - marker.count >= start, matches(b, at: lineEnd - marker.count, marker) else { return nil }
        let endMarker = Array("-----END ".utf8)
        var cursor = lineEnd
        while cursor + endMarker.count <= b.count {
            if b[cursor] == UInt8(ascii: "-"), matches(b, at: cursor, endMarker) {
                var stop = cursor + endMarker.count
                while stop < b.count, b[stop] != UInt8(ascii: "\n") { stop += 1 }
                return start..<stop
            }
            cursor += 1
        }
        return start..<b.count
    }

    @inline(__always)
    static func matches(_ b: UnsafeBufferPointer<UInt8>, at start: Int, _ literal: [UInt8]) -> Bool {
        guard start >= 0, start + literal.count <= b.count else { return false }
        for offset in 0..<literal.count where b[start + offset] != literal[offset] { return false }
        return true
    }
}
