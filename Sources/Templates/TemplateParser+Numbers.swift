/// Number literals as Go's template parser reads them.
extension TemplateParser {
    /// Go's number literals: decimal, hex, octal, binary integers; floats with a point or exponent.
    static func number(_ token: TemplateToken, parser: TemplateParser) throws(TemplateError) -> TemplateNumber {
        let text = token.value.filter { $0 != "_" }
        var body = Substring(text)
        var negative = false
        if body.first == "-" || body.first == "+" {
            negative = body.first == "-"
            body = body.dropFirst()
        }
        let lower = body.lowercased()
        var integer: Int?
        if lower.hasPrefix("0x") {
            integer = Int(lower.dropFirst(2), radix: 16)
        } else if lower.hasPrefix("0b") {
            integer = Int(lower.dropFirst(2), radix: 2)
        } else if lower.hasPrefix("0o") {
            integer = Int(lower.dropFirst(2), radix: 8)
        } else if lower.count > 1, lower.hasPrefix("0"), lower.allSatisfy(\.isNumber) {
            integer = Int(lower.dropFirst(), radix: 8)
        } else if lower.allSatisfy(\.isNumber) {
            integer = Int(lower)
        }
        if let integer { return .int(negative ? -integer : integer) }
        if !lower.hasPrefix("0x"), let value = Double(lower), value.isFinite {
            return .float(negative ? -value : value)
        }
        throw parser.fail("bad number syntax: \"\(token.value)\"", at: token)
    }
}

extension String {
    package func trimmingASCIISpace() -> String {
        let scalars: Set<Unicode.Scalar> = [" ", "\t", "\n", "\r"]
        var view = Substring(self)
        while let first = view.unicodeScalars.first, scalars.contains(first) { view = view.dropFirst() }
        while let last = view.unicodeScalars.last, scalars.contains(last) { view = view.dropLast() }
        return String(view)
    }
}
