import InfermonCore

/// The functions Prometheus 2.42 adds to alert templates, with its output
/// formats: `humanize` keeps four significant digits with SI prefixes,
/// `humanizeDuration` writes `1d 2h 3m 4s`, and so on.
package enum PrometheusFunctions {
    static let functions: [String: TemplateFunction] = [
        "query": TemplateFunction([.string]) { arguments, environment in
            guard case .string(let text) = arguments[0], let query = environment.query else {
                throw TemplateFunctionError("queries are not available here")
            }
            do {
                return .samples(try query(text))
            } catch let error as InfermonError {
                throw TemplateFunctionError(error.message)
            }
        },
        "first": TemplateFunction([.queryResult]) { arguments, _ in
            guard case .samples(let samples) = arguments[0], let first = samples.first else {
                throw TemplateFunctionError("first() called on vector with no elements")
            }
            return .sample(first)
        },
        "label": TemplateFunction([.string, .sample]) { arguments, _ in
            guard case .string(let name) = arguments[0], case .sample(let sample?) = arguments[1] else {
                return .string("")
            }
            return .string(sample.labels[name] ?? "")
        },
        "value": TemplateFunction([.sample]) { arguments, _ in
            guard case .sample(let sample?) = arguments[0] else {
                throw TemplateFunctionError("runtime error: invalid memory address or nil pointer dereference")
            }
            return .float(sample.value)
        },
        "strvalue": TemplateFunction([.sample]) { arguments, _ in
            guard case .sample(let sample?) = arguments[0] else {
                throw TemplateFunctionError("runtime error: invalid memory address or nil pointer dereference")
            }
            return .string(sample.labels["__value__"] ?? "")
        },
        "args": TemplateFunction([], variadic: .any) { arguments, _ in
            var map: [String: TemplateValue] = [:]
            for (position, argument) in arguments.enumerated() { map["arg\(position)"] = argument }
            return .anyMap(map)
        },
        "reReplaceAll": TemplateFunction([.string, .string, .string]) { arguments, _ in
            let (pattern, replacement, text) = (arguments[0].text, arguments[1].text, arguments[2].text)
            return .string(try GoRegex.replaceAll(pattern: pattern, in: text, with: replacement))
        },
        "safeHtml": TemplateFunction([.string]) { arguments, _ in .html(arguments[0].text) },
        "match": TemplateFunction([.string, .string]) { arguments, _ in
            .bool(try GoRegex.matches(pattern: arguments[0].text, in: arguments[1].text))
        },
        "title": TemplateFunction([.string]) { arguments, _ in .string(title(arguments[0].text)) },
        "toUpper": TemplateFunction([.string]) { arguments, _ in .string(mapCase(arguments[0].text, upper: true)) },
        "toLower": TemplateFunction([.string]) { arguments, _ in .string(mapCase(arguments[0].text, upper: false)) },
        "graphLink": TemplateFunction([.string]) { arguments, environment in
            .string(environment.pathPrefix + expressionLink(arguments[0].text, tab: 0))
        },
        "tableLink": TemplateFunction([.string]) { arguments, environment in
            .string(environment.pathPrefix + expressionLink(arguments[0].text, tab: 1))
        },
        "sortByLabel": TemplateFunction([.string, .queryResult]) { arguments, _ in
            guard case .samples(let samples) = arguments[1] else { return arguments[1] }
            let name = arguments[0].text
            return .samples(
                samples.enumerated().sorted { left, right in
                    let a = left.element.labels[name] ?? ""
                    let b = right.element.labels[name] ?? ""
                    return a == b ? left.offset < right.offset : Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8))
                }.map(\.element))
        },
        "humanize": TemplateFunction([.any]) { arguments, _ in .string(Humanize.si(try float(arguments[0]))) },
        "humanize1024": TemplateFunction([.any]) { arguments, _ in .string(Humanize.binary(try float(arguments[0]))) },
        "humanizeDuration": TemplateFunction([.any]) { arguments, _ in
            .string(Humanize.duration(try float(arguments[0])))
        },
        "humanizePercentage": TemplateFunction([.any]) { arguments, _ in
            .string(Humanize.percentage(try float(arguments[0])))
        },
        "humanizeTimestamp": TemplateFunction([.any]) { arguments, _ in
            let seconds = try float(arguments[0])
            if seconds.isNaN || seconds.isInfinite { return .string(GoPrintf.format("%.4g", [.float(seconds)])) }
            return .string(GoTime.string(seconds: try timestamp(seconds)))
        },
        "toTime": TemplateFunction([.any]) { arguments, _ in .time(try timestamp(try float(arguments[0]))) },
        "pathPrefix": TemplateFunction([]) { _, environment in .string(environment.pathPrefix) },
        "externalURL": TemplateFunction([]) { _, environment in .string(environment.externalURL) },
        "parseDuration": TemplateFunction([.string]) { arguments, _ in
            guard let millis = PrometheusDuration.parse(arguments[0].text) else {
                throw TemplateFunctionError("not a valid duration string: \"\(arguments[0].text)\"")
            }
            return .float(Double(millis) / 1000)
        },
        "stripPort": TemplateFunction([.string]) { arguments, _ in .string(stripPort(arguments[0].text)) },
    ]

    /// Prometheus's `convertToFloat`: float64, int, or a string strconv can parse.
    static func float(_ value: TemplateValue) throws -> Double {
        switch value {
        case .float(let number): return number
        case .int(let number): return Double(number)
        case .string(let text):
            guard let number = GoStrconv.parseFloat(text) else {
                throw TemplateFunctionError("strconv.ParseFloat: parsing \(GoPrintf.quote(text)): invalid syntax")
            }
            return number
        default:
            throw TemplateFunctionError("can't convert \(value.typeName) to float")
        }
    }

    /// Prometheus's `floatToTime` checks: seconds whose nanoseconds fit an int64.
    static func timestamp(_ seconds: Double) throws -> Double {
        guard seconds.isFinite else { throw TemplateFunctionError("value is NaN or Inf") }
        let nanoseconds = seconds * 1e9
        guard nanoseconds <= 9.223372036854775807e18, nanoseconds >= -9.223372036854775808e18 else {
            throw TemplateFunctionError(
                "\(GoFloat.shortest(seconds, verb: "g")) cannot be represented as a nanoseconds timestamp since it overflows int64"
            )
        }
        return seconds
    }

    /// `/graph?g0.expr=…&g0.tab=N`, Prometheus's link to an expression.
    package static func expressionLink(_ expression: String, tab: Int) -> String {
        "/graph?g0.expr=\(GoBuiltins.queryEscape(expression))&g0.tab=\(tab)"
    }

    /// Go's deprecated `strings.Title`: upper-cases the first letter of each word.
    static func title(_ text: String) -> String {
        var out = ""
        var previous: Unicode.Scalar = " "
        for scalar in text.unicodeScalars {
            if isSeparator(previous) {
                out += mapCase(String(scalar), upper: true, titleCase: true)
            } else {
                out.unicodeScalars.append(scalar)
            }
            previous = scalar
        }
        return out
    }

    private static func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let value = scalar.value
            if (0x30...0x39).contains(value) || (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value)
                || value == 0x5F
            {
                return false
            }
            return true
        }
        let properties = scalar.properties
        if properties.isAlphabetic || properties.numericType != nil { return false }
        return properties.isWhitespace
    }

    /// Per-scalar case mapping, as Go's `unicode.ToUpper`: a character without
    /// a one-scalar mapping (ß) stays as it is.
    static func mapCase(_ text: String, upper: Bool, titleCase: Bool = false) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            let mapping =
                titleCase
                ? scalar.properties.titlecaseMapping
                : (upper ? scalar.properties.uppercaseMapping : scalar.properties.lowercaseMapping)
            if mapping.unicodeScalars.count == 1 { out += mapping } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    /// `net.SplitHostPort`'s host, or the text unchanged when it has no port.
    static func stripPort(_ text: String) -> String {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return text }
            let after = text[text.index(after: close)...]
            guard after.hasPrefix(":") else { return text }
            return String(text[text.index(after: text.startIndex)..<close])
        }
        let colons = text.filter { $0 == ":" }.count
        guard colons == 1, let colon = text.firstIndex(of: ":") else { return text }
        return String(text[..<colon])
    }
}

extension TemplateValue {
    /// The string inside a value already checked to be a string.
    var text: String {
        switch self {
        case .string(let text), .html(let text): return text
        default: return ""
        }
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for the forms alert data holds.
enum GoStrconv {
    static func parseFloat(_ text: String) -> Double? {
        var body = Substring(text)
        var sign = 1.0
        if body.first == "+" || body.first == "-" {
            if body.first == "-" { sign = -1 }
            body = body.dropFirst()
        }
        switch body.lowercased() {
        case "inf", "infinity": return sign * .infinity
        case "nan": return .nan
        default: break
        }
        guard let first = body.first, first.isASCII, first.isNumber || first == "." else { return nil }
        guard body.allSatisfy({ $0.isASCII && ($0.isNumber || ".eE+-xXpPabcdefABCDEF_".contains($0)) }) else {
            return nil
        }
        let lower = body.lowercased()
        if lower.hasPrefix("0x") {
            return Double(String(lower)).map { sign * $0 }
        }
        guard !body.contains("_") else { return nil }
        return Double(String(body)).map { sign * $0 }
    }
}
