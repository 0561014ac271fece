/// Go's `fmt.Sprintf` for the verbs alert templates use (`%s %v %d %f %e %g
/// %x %X %o %b %c %q %t %U %%`, flags, width, precision, `*`), including Go's
/// in-band errors: `%!d(float64=3.5)`, `%!s(MISSING)`, `%!(EXTRA …)`.
package enum GoPrintf {
    struct Spec {
        var minus = false
        var plus = false
        var sharp = false
        var space = false
        var zero = false
        var width: Int?
        var precision: Int?
        var verb: Character = "v"
    }

    static func format(_ format: String, _ arguments: [TemplateValue]) -> String {
        var out = ""
        var next = 0
        let characters = Array(format)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            index += 1
            guard character == "%" else {
                out.append(character)
                continue
            }
            guard index < characters.count else {
                out += "%!(NOVERB)"
                break
            }
            var spec = Spec()
            flags: while index < characters.count {
                switch characters[index] {
                case "-": spec.minus = true
                case "+": spec.plus = true
                case "#": spec.sharp = true
                case " ": spec.space = true
                case "0": spec.zero = !spec.minus
                default: break flags
                }
                index += 1
            }
            spec.width = number(characters, &index, arguments, &next)
            if index < characters.count, characters[index] == "." {
                index += 1
                // A negative precision from `*` counts as none, as in Go.
                let precision = number(characters, &index, arguments, &next) ?? 0
                spec.precision = precision < 0 ? nil : precision
            }
            guard index < characters.count else {
                out += "%!(NOVERB)"
                break
            }
            spec.verb = characters[index]
            index += 1
            if spec.verb == "%" {
                out += "%"
                continue
            }
            guard next < arguments.count else {
                out += "%!\(spec.verb)(MISSING)"
                continue
            }
            out += formatOne(arguments[next], spec)
            next += 1
        }
        if next < arguments.count {
            out += "%!(EXTRA "
            out += arguments[next...].map { "\($0.typeName)=\($0.formatted())" }.joined(separator: ", ")
            out += ")"
        }
        return out
    }

    /// Go's `fmt` refuses widths and precisions beyond a million (its `tooLarge`):
    /// a template must not be able to overflow the count or pad to gigabytes.
    static let maxWidth = 1_000_000

    /// A width or precision: digits, or `*` taking an int argument.
    private static func number(
        _ characters: [Character], _ index: inout Int, _ arguments: [TemplateValue], _ next: inout Int
    )
        -> Int?
    {
        if index < characters.count, characters[index] == "*" {
            index += 1
            if next < arguments.count, case .int(let value) = arguments[next] {
                next += 1
                return value.magnitude > UInt(maxWidth) ? nil : value
            }
            return nil
        }
        var value: Int?
        while index < characters.count, let digit = characters[index].wholeNumberValue, characters[index].isASCII {
            if let value, value > maxWidth {
                // Go's parsenum gives up on the rest of the format: `%!(NOVERB)`.
                index = characters.count
                return nil
            }
            value = (value ?? 0) * 10 + digit
            index += 1
        }
        return value
    }

    static func formatOne(_ argument: TemplateValue, _ spec: Spec) -> String {
        switch argument {
        case .float(let value): return float(value, spec) ?? bad(argument, spec)
        case .int(let value): return integer(value, spec) ?? bad(argument, spec)
        case .string(let value), .html(let value): return string(value, spec) ?? bad(argument, spec)
        case .bool(let value):
            guard spec.verb == "t" || spec.verb == "v" else { return bad(argument, spec) }
            return pad(value ? "true" : "false", spec)
        case .missing:
            return spec.verb == "v" ? pad("<nil>", spec) : "%!\(spec.verb)(<nil>)"
        default:
            guard spec.verb == "v" || spec.verb == "s" else { return bad(argument, spec) }
            return pad(argument.formatted(), spec)
        }
    }

    private static func bad(_ argument: TemplateValue, _ spec: Spec) -> String {
        "%!\(spec.verb)(\(argument.typeName)=\(argument.formatted()))"
    }

    static func pad(_ text: String, _ spec: Spec, zeroAllowed: Bool = false) -> String {
        guard let width = spec.width, text.count < width else { return text }
        let fill = width - text.count
        if spec.minus { return text + String(repeating: " ", count: fill) }
        if spec.zero && zeroAllowed {
            // Zeros go after the sign.
            if let first = text.first, first == "-" || first == "+" || first == " " {
                return String(first) + String(repeating: "0", count: fill) + text.dropFirst()
            }
            return String(repeating: "0", count: fill) + text
        }
        return String(repeating: " ", count: fill) + text
    }

    private static func float(_ value: Double, _ spec: Spec) -> String? {
        let verbs: Set<Character> = ["v", "e", "E", "f", "F", "g", "G"]
        guard verbs.contains(spec.verb) else { return nil }
        var text: String
        if value.isNaN || value.isInfinite {
            text = value.isNaN ? "NaN" : (value > 0 ? "+Inf" : "-Inf")
            if value.isNaN && spec.plus { text = "+NaN" }
            if value > 0 && value.isInfinite && !spec.plus { text = spec.space ? " Inf" : "+Inf" }
            return pad(text, spec)
        }
        if let precision = spec.precision {
            let verb: Character = spec.verb == "v" ? "g" : (spec.verb == "F" ? "f" : spec.verb)
            text = GoFloat.fixed(value, verb: verb, precision: precision)
        } else {
            let verb: Character = spec.verb == "v" ? "g" : spec.verb
            text =
                ["f", "F"].contains(verb)
                ? GoFloat.fixed(value, verb: "f", precision: 6)
                : ["e", "E"].contains(verb)
                    ? GoFloat.fixed(value, verb: verb, precision: 6)
                    : GoFloat.shortest(value, verb: verb)
        }
        if !text.hasPrefix("-") {
            if spec.plus { text = "+" + text } else if spec.space { text = " " + text }
        }
        return pad(text, spec, zeroAllowed: true)
    }

    private static func integer(_ value: Int, _ spec: Spec) -> String? {
        var digits: String
        let magnitude = value.magnitude
        switch spec.verb {
        case "d", "v": digits = String(magnitude)
        case "x": digits = String(magnitude, radix: 16)
        case "X": digits = String(magnitude, radix: 16, uppercase: true)
        case "o": digits = String(magnitude, radix: 8)
        case "b": digits = String(magnitude, radix: 2)
        case "c":
            return pad(Unicode.Scalar(UInt32(clamping: value)).map { String(Character($0)) } ?? "\u{FFFD}", spec)
        case "q":
            let character = Unicode.Scalar(UInt32(clamping: value)).map { String(Character($0)) } ?? "\u{FFFD}"
            return pad("'" + character + "'", spec)
        case "U":
            let hex = String(magnitude, radix: 16, uppercase: true)
            return pad("U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex, spec)
        case "e", "E", "f", "F", "g", "G":
            return float(Double(value), spec)
        default: return nil
        }
        if let precision = spec.precision, digits.count < precision {
            digits = String(repeating: "0", count: precision - digits.count) + digits
        }
        if spec.sharp {
            if spec.verb == "x" { digits = "0x" + digits }
            if spec.verb == "X" { digits = "0X" + digits }
            if spec.verb == "o", !digits.hasPrefix("0") { digits = "0" + digits }
        }
        let sign = value < 0 ? "-" : (spec.plus ? "+" : (spec.space ? " " : ""))
        return pad(sign + digits, spec, zeroAllowed: spec.precision == nil)
    }

    private static func string(_ value: String, _ spec: Spec) -> String? {
        var text = value
        if let precision = spec.precision, ["s", "v", "q"].contains(spec.verb) {
            text = String(text.prefix(precision))
        }
        switch spec.verb {
        case "s", "v": return pad(text, spec)
        case "q": return pad(quote(text), spec)
        case "x", "X":
            let hex = text.utf8.map { byte -> String in
                let digits = String(byte, radix: 16, uppercase: spec.verb == "X")
                return digits.count == 1 ? "0" + digits : digits
            }
            return pad(hex.joined(), spec)
        default: return nil
        }
    }

    /// Go's `strconv.Quote`.
    package static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{0B}": out += "\\v"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\x" + (hex.count == 1 ? "0" + hex : hex)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
