/// Formats a float the way Prometheus writes sample values (Go's
/// `strconv.FormatFloat(v, 'f', -1, 64)`): the shortest digits that read back
/// to the same value, never in exponent form, and `NaN`, `+Inf`, `-Inf`.
public func formatPrometheusFloat(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
    // Fast paths for what most samples are: integers, and plain decimals.
    if value == value.rounded(.towardZero) && Swift.abs(value) < 1e15 {
        if value == 0 { return value.sign == .minus ? "-0" : "0" }
        return String(Int64(value))
    }
    let description = value.description
    if !description.utf8.contains(where: { $0 == UInt8(ascii: "e") }) { return description }
    // Swift's description already holds the shortest round-tripping digits;
    // only the layout (exponent form) differs.
    let (negative, digits, pointPosition) = shortestDecimalDigits(value)
    var out = negative ? "-" : ""
    if pointPosition <= 0 {
        out += "0." + String(repeating: "0", count: -pointPosition) + String(digits)
    } else if pointPosition >= digits.count {
        out += String(digits) + String(repeating: "0", count: pointPosition - digits.count)
    } else {
        out += String(digits[..<pointPosition]) + "." + String(digits[pointPosition...])
    }
    return out
}

/// The shortest decimal digits that read back to `value` (from Swift's own
/// shortest round-trip description) and the decimal point's position relative
/// to them: `123.4` is "1234" with point 3, `0.05` is "5" with point -1, zero is
/// "0" with point 1. For Prometheus's and Go's float layouts.
public func shortestDecimalDigits(_ value: Double) -> (negative: Bool, digits: [Character], point: Int) {
    let negative = value.sign == .minus
    var text = Substring(Swift.abs(value).description)
    var exponent = 0
    if let marker = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        exponent = Int(text[text.index(after: marker)...]) ?? 0
        text = text[..<marker]
    }
    var digits: [Character] = []
    var point = 0
    var seenPoint = false
    for character in text {
        if character == "." {
            seenPoint = true
        } else {
            digits.append(character)
            if !seenPoint { point += 1 }
        }
    }
    point += exponent
    while digits.count > 1, digits.first == "0" {
        digits.removeFirst()
        point -= 1
    }
    while digits.count > 1, digits.last == "0" { digits.removeLast() }
    if digits == ["0"] { point = 1 }
    return (negative, digits, point)
}

/// Parses a float as Prometheus accepts one in text: decimal, hex, `Inf`, `NaN`, with a sign.
public func parsePrometheusFloat(_ text: String) -> Double? {
    var body = Substring(text)
    var sign = 1.0
    if body.first == "+" || body.first == "-" {
        if body.first == "-" { sign = -1 }
        body = body.dropFirst()
    }
    switch body.lowercased() {
    case "inf", "+inf": return sign * .infinity
    case "nan": return .nan
    default: break
    }
    if body.hasPrefix("0x") || body.hasPrefix("0X") {
        return UInt64(body.dropFirst(2), radix: 16).map { sign * Double($0) }
    }
    guard let first = body.first, first.isNumber || first == "." else { return nil }
    return Double(body).map { sign * $0 }
}
