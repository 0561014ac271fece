/// What a scanner found, coarse enough to count by (`kind` label of
/// `infermon_security_findings_total`).
public enum SecurityFindingKind: String, Sendable, Hashable, CaseIterable, Comparable {
    case email
    case phone
    case creditCard = "credit_card"
    case iban
    case apiKey = "api_key"
    case privateKey = "private_key"
    case injectionPhrase = "injection_phrase"
    case invisibleUnicode = "invisible_unicode"
    case base64Blob = "base64_blob"
    case exfiltration

    /// Secrets and personal data: removed from stored text, whichever field they are in.
    public var isRedacted: Bool {
        switch self {
        case .email, .phone, .creditCard, .iban, .apiKey, .privateKey, .exfiltration: true
        case .injectionPhrase, .invisibleUnicode, .base64Blob: false
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One finding: a kind and the UTF-8 byte range of the matched text.
public struct SecurityFinding: Sendable, Hashable {
    public var kind: SecurityFindingKind
    public var range: Range<Int>

    public init(kind: SecurityFindingKind, range: Range<Int>) {
        self.kind = kind
        self.range = range
    }
}

/// Which scanners run, and their few tunables.
public struct ScannerOptions: Sendable, Equatable {
    /// Emails, phones, cards, IBANs, API keys and private keys (every text field; counted for responses).
    public var sensitiveData = true
    /// Override phrases, invisible tag characters and base64 blobs in prompts and context.
    public var promptInjection = true
    /// Markdown images and links carrying data to outside hosts, in responses.
    public var exfiltration = true
    /// Runs of base64 characters at least this long count as a blob.
    public var base64MinLength = 80
    /// Hosts (and their subdomains) that responses may link to with data in the query.
    public var allowedHosts: [String] = []

    public init() {}
}

/// The byte-level character classes every scanner shares, one table lookup each.
enum ByteClass {
    static let digit: UInt8 = 1
    static let upper: UInt8 = 2
    static let lower: UInt8 = 4
    static let base64Extra: UInt8 = 8  // + / - _
    static let emailLocalExtra: UInt8 = 16  // . _ % + -
    static let hostExtra: UInt8 = 32  // . -

    static let table: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 256)
        for byte in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(byte)] |= digit }
        for byte in UInt8(ascii: "A")...UInt8(ascii: "Z") { table[Int(byte)] |= upper }
        for byte in UInt8(ascii: "a")...UInt8(ascii: "z") { table[Int(byte)] |= lower }
        for byte in "+/-_".utf8 { table[Int(byte)] |= base64Extra }
        for byte in "._%+-".utf8 { table[Int(byte)] |= emailLocalExtra }
        for byte in ".-".utf8 { table[Int(byte)] |= hostExtra }
        return table
    }()

    // Arithmetic range checks rather than the table: no global access in the hot loops.
    @inline(__always) static func isAlnum(_ byte: UInt8) -> Bool {
        byte &- 0x30 < 10 || (byte | 0x20) &- 0x61 < 26
    }
    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }
    @inline(__always) static func isUpper(_ byte: UInt8) -> Bool { byte &- 0x41 < 26 }
    @inline(__always) static func isLower(_ byte: UInt8) -> Bool { byte &- 0x61 < 26 }
    @inline(__always) static func lowercased(_ byte: UInt8) -> UInt8 { isUpper(byte) ? byte | 0x20 : byte }
}
