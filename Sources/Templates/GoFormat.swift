import Query

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Go's float formatting, which alert annotations must reproduce digit for
/// digit: `%v` uses the shortest digits that read back (`1e+06`, `0.1`),
/// fixed precisions round exactly. glibc's printf rounds the exact binary value
/// as Go's strconv does, so fixed precisions go through it; the shortest digits
/// come from Swift's own shortest round-trip description.
package enum GoFloat {
    /// `strconv.FormatFloat(value, verb, -1, 64)` for `e`, `E`, `f`, `g`, `G`.
    package static func shortest(_ value: Double, verb: Character) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        let (negative, digits, point) = shortestDecimalDigits(value)
        let sign = negative ? "-" : ""
        let upper = verb == "E" || verb == "G"
        switch verb {
        case "e", "E":
            return sign + exponentForm(digits, point: point, decimals: digits.count - 1, upper: upper)
        case "f", "F":
            return sign + fixedForm(digits, point: point, decimals: max(digits.count - point, 0))
        default:
            // Shortest %g switches to exponent form below 1e-4 and from 1e6 on.
            let exponent = point - 1
            if exponent < -4 || exponent >= 6 {
                return sign + exponentForm(digits, point: point, decimals: digits.count - 1, upper: upper)
            }
            return sign + fixedForm(digits, point: point, decimals: max(digits.count - point, 0))
        }
    }

    /// `fmt.Sprintf("%.<precision><verb>", value)` with Go's NaN and infinity spellings.
    static func fixed(_ value: Double, verb: Character, precision: Int) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        return cFormat("%.\(precision)\(verb)", value)
    }

    /// Runs one C format on one double.
    static func cFormat(_ format: String, _ value: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        let count = withVaList([value]) { arguments in
            buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, format, arguments) }
        }
        if count >= buffer.count {
            buffer = [CChar](repeating: 0, count: Int(count) + 1)
            _ = withVaList([value]) { arguments in
                buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, format, arguments) }
            }
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func exponentForm(_ digits: [Character], point: Int, decimals: Int, upper: Bool) -> String {
        var out = String(digits[0])
        if decimals > 0 { out += "." + String(digits[1...]) }
        let exponent = digits == ["0"] ? 0 : point - 1
        out += upper ? "E" : "e"
        out += exponent < 0 ? "-" : "+"
        let magnitude = String(Swift.abs(exponent))
        out += magnitude.count < 2 ? "0" + magnitude : magnitude
        return out
    }

    private static func fixedForm(_ digits: [Character], point: Int, decimals: Int) -> String {
        var integer = ""
        if point <= 0 {
            integer = "0"
        } else {
            for index in 0..<point { integer.append(index < digits.count ? digits[index] : "0") }
        }
        guard decimals > 0 else { return integer }
        var fraction = ""
        for index in point..<(point + decimals) {
            fraction.append(index >= 0 && index < digits.count ? digits[index] : "0")
        }
        return integer + "." + fraction
    }
}
