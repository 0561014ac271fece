/// Check digits that separate a real card number or IBAN from any digit run of
/// the right length: without them an order number or a timestamp would be
/// redacted as a card, and counts would be noise.
enum Checksums {
    /// The Luhn check over ASCII digits (card numbers, ISO/IEC 7812).
    static func luhn(_ digits: [UInt8]) -> Bool {
        guard !digits.isEmpty else { return false }
        var sum = 0
        for (offset, digit) in digits.reversed().enumerated() {
            var value = Int(digit &- 0x30)
            if offset % 2 == 1 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return sum % 10 == 0
    }

    /// Whether a digit string has a plausible card prefix: the major networks'
    /// ranges start with 2 (Mastercard 2-series), 3 (Amex, Diners, JCB),
    /// 4 (Visa), 5 (Mastercard) or 6 (Discover, UnionPay, Maestro).
    static func plausibleCardPrefix(_ digits: [UInt8]) -> Bool {
        guard let first = digits.first else { return false }
        return first >= UInt8(ascii: "2") && first <= UInt8(ascii: "6")
    }

    /// ISO 13616: move the first four characters to the end, turn letters into
    /// 10...35, and the number must be 1 modulo 97. Input is uppercase letters
    /// and digits without spaces; the country's length is checked as well.
    static func iban(_ characters: [UInt8]) -> Bool {
        guard characters.count >= 15, characters.count <= 34 else { return false }
        let country = String(decoding: characters.prefix(2), as: UTF8.self)
        if let expected = ibanLengths[country], expected != characters.count { return false }
        guard ibanLengths[country] != nil else { return false }
        var remainder = 0
        for character in characters.dropFirst(4) + characters.prefix(4) {
            if ByteClass.isDigit(character) {
                remainder = (remainder * 10 + Int(character &- 0x30)) % 97
            } else if ByteClass.isUpper(character) {
                remainder = (remainder * 100 + Int(character &- 0x41) + 10) % 97
            } else {
                return false
            }
        }
        return remainder == 1
    }

    /// IBAN lengths by country (SWIFT IBAN registry); an unknown country is not an IBAN.
    static let ibanLengths: [String: Int] = [
        "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
        "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
        "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
        "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
        "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
        "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
        "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TN": 24, "TR": 26,
        "UA": 29, "VA": 22, "VG": 24, "XK": 20,
    ]
}
