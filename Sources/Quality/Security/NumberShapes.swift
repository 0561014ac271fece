/// Digit runs that are card numbers or phone numbers. A run is read once as
/// groups of digits with their separators, then classified by its shape.
enum NumberShapes {
    /// The run starting at `start` (a digit, `+` or `(` at a word start): its
    /// kind when it is a card or a phone, nil otherwise, and the bytes it spans
    /// so the caller can skip them. Returns nil when no digit run starts here.
    static func classify(_ b: UnsafeBufferPointer<UInt8>, at start: Int) -> (SecurityFindingKind?, Range<Int>)? {
        var position = start
        let plus = b[start] == UInt8(ascii: "+")
        if plus || b[start] == UInt8(ascii: "(") { position += 1 }
        guard position < b.count, ByteClass.isDigit(b[position]) else { return nil }
        // Most numbers in text are short (years, prices, counts): measure the run
        // without allocating, and look closer only when it could be a phone or card.
        let (quickEnd, quickDigits) = measureRun(b, from: position)
        if quickDigits < 8 { return (nil, start..<quickEnd) }
        var digits: [UInt8] = []
        var groups: [Int] = []
        var separators: Set<UInt8> = []
        var parenthesised = b[start] == UInt8(ascii: "(")
        var end = position
        while position < b.count {
            var length = 0
            while position < b.count, ByteClass.isDigit(b[position]) {
                if digits.count < 24 { digits.append(b[position]) }
                length += 1
                position += 1
            }
            groups.append(length)
            end = position
            guard position < b.count, digits.count <= 19 else { break }
            let separator = b[position]
            var next = position + 1
            if separator == UInt8(ascii: ")") && parenthesised {
                if next < b.count, b[next] == UInt8(ascii: " ") { next += 1 }
            } else if separator != UInt8(ascii: " ") && separator != UInt8(ascii: "-") && separator != UInt8(ascii: ".")
            {
                break
            }
            // A separator only counts when another digit group follows it ("… 1111." ends the run).
            guard next < b.count, ByteClass.isDigit(b[next]) else { break }
            if separator == UInt8(ascii: ")") { parenthesised = false }
            separators.insert(separator)
            position = next
        }
        let span = start..<end
        if end < b.count, ByteClass.isAlnum(b[end]) || b[end] == UInt8(ascii: "@") { return (nil, span) }
        if isCard(digits: digits, groups: groups, separators: separators, plus: plus) { return (.creditCard, span) }
        if isPhone(digits: digits, groups: groups, separators: separators, plus: plus) { return (.phone, span) }
        return (nil, span)
    }

    /// The end of a digit run with single separators between groups, and its digit count.
    private static func measureRun(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> (end: Int, digits: Int) {
        var position = start
        var digits = 0
        var end = start
        while position < b.count {
            let byte = b[position]
            if ByteClass.isDigit(byte) {
                digits += 1
                position += 1
                end = position
            } else if (byte == 0x20 || byte == 0x2D || byte == 0x2E || byte == 0x29 || byte == 0x28)
                && position + 1 < b.count && (ByteClass.isDigit(b[position + 1]) || b[position + 1] == 0x20)
                && position > start && b[position - 1] != 0x20
            {
                position += 1
            } else {
                break
            }
        }
        return (end, digits)
    }

    /// 13–19 digits, written plain or in groups split by one kind of space or
    /// dash, with a network prefix and a valid Luhn check digit.
    static func isCard(digits: [UInt8], groups: [Int], separators: Set<UInt8>, plus: Bool) -> Bool {
        guard !plus, (13...19).contains(digits.count), separators.isSubset(of: [0x20, 0x2D]), separators.count <= 1
        else { return false }
        if groups.count > 1 {
            // 4-4-4-4(-3), or Amex/Diners 4-6-5 and 4-6-4.
            let fours = groups.dropLast().allSatisfy { $0 == 4 } && (1...4).contains(groups.last!)
            let amex = groups.count == 3 && groups[0] == 4 && groups[1] == 6 && (4...5).contains(groups[2])
            guard fours || amex else { return false }
        }
        return Checksums.plausibleCardPrefix(digits) && Checksums.luhn(digits)
    }

    /// International numbers with `+` and 8–15 digits (E.164), or national
    /// numbers of 10–11 digits in at least three groups whose last group has
    /// four digits (`(555) 123-4567`, `555-123-4567`, `020 7946 0958`). Plain
    /// digit runs, dates (`2024-01-15`) and IP addresses do not have that shape.
    static func isPhone(digits: [UInt8], groups: [Int], separators: Set<UInt8>, plus: Bool) -> Bool {
        if plus {
            return (8...15).contains(digits.count) && (groups.count > 1 || digits.count >= 10)
        }
        guard (10...11).contains(digits.count), groups.count >= 3, groups.count <= 4, let last = groups.last,
            last == 4, groups.first! >= 1, groups.first! <= 4
        else { return false }
        // Dotted runs with four groups are version numbers or addresses, not phones.
        if separators.contains(UInt8(ascii: ".")) && groups.count > 3 { return false }
        return groups.dropFirst().dropLast().allSatisfy { (2...4).contains($0) }
    }
}

/// API-key shapes of the common providers: a fixed prefix and a token of fixed
/// or minimum length from a fixed alphabet.
enum KeyShapes {
    private struct Shape {
        let prefix: [UInt8]
        let minimum: Int
        let maximum: Int
        /// Allowed token bytes besides letters and digits.
        let extra: [UInt8]
        let requiresDigit: Bool
    }

    private static let shapes: [Shape] = [
        Shape(prefix: Array("sk-".utf8), minimum: 20, maximum: 256, extra: Array("-_".utf8), requiresDigit: true),
        Shape(prefix: Array("sk_live_".utf8), minimum: 16, maximum: 128, extra: [], requiresDigit: true),
        Shape(prefix: Array("sk_test_".utf8), minimum: 16, maximum: 128, extra: [], requiresDigit: true),
        Shape(prefix: Array("AKIA".utf8), minimum: 16, maximum: 16, extra: [], requiresDigit: false),
        Shape(prefix: Array("ASIA".utf8), minimum: 16, maximum: 16, extra: [], requiresDigit: false),
        Shape(prefix: Array("AIza".utf8), minimum: 35, maximum: 35, extra: Array("-_".utf8), requiresDigit: false),
        Shape(prefix: Array("ghp_".utf8), minimum: 36, maximum: 36, extra: [], requiresDigit: false),
        Shape(prefix: Array("gho_".utf8), minimum: 36, maximum: 36, extra: [], requiresDigit: false),
        Shape(prefix: Array("ghs_".utf8), minimum: 36, maximum: 36, extra: [], requiresDigit: false),
        Shape(
            prefix: Array("github_pat_".utf8), minimum: 40, maximum: 255, extra: Array("_".utf8), requiresDigit: true),
        Shape(prefix: Array("xoxb-".utf8), minimum: 20, maximum: 255, extra: Array("-".utf8), requiresDigit: true),
        Shape(prefix: Array("xoxp-".utf8), minimum: 20, maximum: 255, extra: Array("-".utf8), requiresDigit: true),
    ]

    static func apiKey(_ b: UnsafeBufferPointer<UInt8>, at start: Int) -> Range<Int>? {
        let first = b[start]
        guard start + 1 < b.count else { return nil }
        // Every prefix is told apart by its first two bytes; most words stop here.
        switch (first, b[start + 1]) {
        case (UInt8(ascii: "s"), UInt8(ascii: "k")), (UInt8(ascii: "A"), UInt8(ascii: "K")),
            (UInt8(ascii: "A"), UInt8(ascii: "S")), (UInt8(ascii: "A"), UInt8(ascii: "I")),
            (UInt8(ascii: "g"), UInt8(ascii: "h")), (UInt8(ascii: "g"), UInt8(ascii: "i")),
            (UInt8(ascii: "x"), UInt8(ascii: "o")):
            break
        default:
            return nil
        }
        for shape in shapes where shape.prefix[0] == first {
            guard SensitiveDataScanner.matches(b, at: start, shape.prefix) else { continue }
            var end = start + shape.prefix.count
            var sawDigit = false
            var uppercaseOnly = true
            while end < b.count, end - start - shape.prefix.count <= shape.maximum {
                let byte = b[end]
                guard ByteClass.isAlnum(byte) || shape.extra.contains(byte) else { break }
                if ByteClass.isDigit(byte) { sawDigit = true }
                if ByteClass.isLower(byte) { uppercaseOnly = false }
                end += 1
            }
            let length = end - start - shape.prefix.count
            guard length >= shape.minimum, length <= shape.maximum, !shape.requiresDigit || sawDigit else { continue }
            // AWS access key ids are uppercase; "AKIAbcd…" is a word, not a key.
            if shape.prefix[0] == UInt8(ascii: "A") && shape.prefix[1] != UInt8(ascii: "I") && !uppercaseOnly {
                continue
            }
            return start..<end
        }
        return nil
    }
}
