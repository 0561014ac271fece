import InfermonCore

/// A function templates can call, with the Go parameter types that decide how
/// its arguments are checked and converted (`title 3` fails: it wants a string).
struct TemplateFunction: Sendable {
    enum Parameter: Sendable {
        case string, float, any, queryResult, sample
        /// A `reflect.Value` in Go: anything, including no value (`eq`, `and`, `len`…).
        case value

        var goName: String {
            switch self {
            case .string: return "string"
            case .float: return "float64"
            case .any: return "interface {}"
            case .queryResult: return "template.queryResult"
            case .sample: return "*template.sample"
            case .value: return "reflect.Value"
            }
        }
    }

    var parameters: [Parameter]
    var variadic: Parameter?
    var call: @Sendable ([TemplateValue], TemplateEnvironment) throws -> TemplateValue

    init(
        _ parameters: [Parameter], variadic: Parameter? = nil,
        _ call: @escaping @Sendable ([TemplateValue], TemplateEnvironment) throws -> TemplateValue
    ) {
        self.parameters = parameters
        self.variadic = variadic
        self.call = call
    }
}

/// What functions may reach besides their arguments.
struct TemplateEnvironment: Sendable {
    var query: (@Sendable (String) throws -> [QuerySample])?
    var externalURL: String

    /// The path of the external URL, Prometheus's `pathPrefix`.
    var pathPrefix: String {
        let parts = externalURL.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        // scheme: "", host, path…
        guard parts.count == 4, parts[0].hasSuffix(":"), parts[1].isEmpty else { return "" }
        let rest = externalURL[parts[3].startIndex...]
        guard let slash = externalURL[..<rest.startIndex].lastIndex(of: "/") else { return "" }
        var path = String(externalURL[slash...])
        while path.hasSuffix("/") { path.removeLast() }
        return path
    }
}

/// An error a function reports; the executor adds `error calling NAME:`.
struct TemplateFunctionError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

enum TemplateFunctions {
    /// Go's predefined template functions plus Prometheus's, as in Prometheus 2.42.
    static let all: [String: TemplateFunction] = GoBuiltins.functions.merging(PrometheusFunctions.functions) {
        _, prometheus in prometheus
    }

    static let names: Set<String> = Set(all.keys)
}

/// The functions every Go template has.
enum GoBuiltins {
    static let functions: [String: TemplateFunction] = [
        "and": TemplateFunction([.value], variadic: .value) { arguments, _ in
            arguments.first { !$0.isTrue } ?? arguments.last!
        },
        "or": TemplateFunction([.value], variadic: .value) { arguments, _ in
            arguments.first { $0.isTrue } ?? arguments.last!
        },
        "not": TemplateFunction([.value]) { arguments, _ in .bool(!arguments[0].isTrue) },
        "len": TemplateFunction([.value]) { arguments, _ in
            switch arguments[0] {
            case .string(let text), .html(let text): return .int(text.utf8.count)
            case .stringMap(let map): return .int(map.count)
            case .anyMap(let map): return .int(map.count)
            case .samples(let samples): return .int(samples.count)
            case .missing: throw TemplateFunctionError("len of nil pointer")
            default: throw TemplateFunctionError("len of type \(arguments[0].typeName)")
            }
        },
        "index": TemplateFunction([.value], variadic: .value) { arguments, _ in
            var item = arguments[0]
            for key in arguments.dropFirst() { item = try index(item, key) }
            return item
        },
        "slice": TemplateFunction([.value], variadic: .value) { arguments, _ in
            guard case .string(let text) = arguments[0] else {
                throw TemplateFunctionError("can't slice item of type \(arguments[0].typeName)")
            }
            let bytes = Array(text.utf8)
            var bounds: [Int] = []
            for argument in arguments.dropFirst() {
                guard case .int(let bound) = argument else {
                    throw TemplateFunctionError("cannot index slice/array with type \(argument.typeName)")
                }
                bounds.append(bound)
            }
            let low = bounds.count > 0 ? bounds[0] : 0
            let high = bounds.count > 1 ? bounds[1] : bytes.count
            guard bounds.count <= 2, low >= 0, low <= high, high <= bytes.count else {
                throw TemplateFunctionError("index out of range: \(high)")
            }
            return .string(String(decoding: bytes[low..<high], as: UTF8.self))
        },
        "print": TemplateFunction([], variadic: .any) { arguments, _ in .string(sprint(arguments)) },
        "println": TemplateFunction([], variadic: .any) { arguments, _ in
            .string(arguments.map { $0.formatted() }.joined(separator: " ") + "\n")
        },
        "printf": TemplateFunction([.string], variadic: .any) { arguments, _ in
            guard case .string(let format) = arguments[0] else { return .string("") }
            return .string(GoPrintf.format(format, Array(arguments.dropFirst())))
        },
        "html": TemplateFunction([], variadic: .any) { arguments, _ in .string(htmlEscape(sprint(arguments))) },
        "js": TemplateFunction([], variadic: .any) { arguments, _ in .string(jsEscape(sprint(arguments))) },
        "urlquery": TemplateFunction([], variadic: .any) { arguments, _ in .string(queryEscape(sprint(arguments))) },
        "eq": TemplateFunction([.value], variadic: .value) { arguments, _ in
            guard arguments.count > 1 else { throw TemplateFunctionError("missing argument for comparison") }
            for other in arguments.dropFirst() where try compare(arguments[0], other) == 0 { return .bool(true) }
            return .bool(false)
        },
        "ne": TemplateFunction([.value, .value]) { arguments, _ in .bool(try compare(arguments[0], arguments[1]) != 0)
        },
        "lt": TemplateFunction([.value, .value]) { arguments, _ in .bool(try order(arguments[0], arguments[1]) < 0) },
        "le": TemplateFunction([.value, .value]) { arguments, _ in .bool(try order(arguments[0], arguments[1]) <= 0) },
        "gt": TemplateFunction([.value, .value]) { arguments, _ in .bool(try order(arguments[0], arguments[1]) > 0) },
        "ge": TemplateFunction([.value, .value]) { arguments, _ in .bool(try order(arguments[0], arguments[1]) >= 0) },
    ]

    /// `fmt.Sprint`: spaces between operands when neither side is a string.
    static func sprint(_ arguments: [TemplateValue]) -> String {
        var out = ""
        for (position, argument) in arguments.enumerated() {
            if position > 0, argument.kind != .string, arguments[position - 1].kind != .string { out += " " }
            out += argument.formatted()
        }
        return out
    }

    static func index(_ item: TemplateValue, _ key: TemplateValue) throws -> TemplateValue {
        switch (item, key) {
        case (.stringMap(let map), .string(let name)): return .string(map[name] ?? "")
        case (.anyMap(let map), .string(let name)): return map[name] ?? .missing
        case (.samples(let samples), .int(let position)):
            guard samples.indices.contains(position) else {
                throw TemplateFunctionError("error calling index: index out of range: \(position)")
            }
            return .sample(samples[position])
        case (.missing, _): throw TemplateFunctionError("index of untyped nil")
        default: throw TemplateFunctionError("can't index item of type \(item.typeName)")
        }
    }

    /// 0 when equal; throws for kinds Go refuses to compare (int against float64).
    static func compare(_ left: TemplateValue, _ right: TemplateValue) throws -> Int {
        guard left.kind == right.kind, left.kind != .other else {
            if case .missing = left, case .missing = right { return 0 }
            if left.kind == .other || right.kind == .other {
                throw TemplateFunctionError(
                    left.kind == right.kind ? "invalid type for comparison" : "incompatible types for comparison")
            }
            throw TemplateFunctionError("incompatible types for comparison")
        }
        switch (left, right) {
        case (.bool(let a), .bool(let b)): return a == b ? 0 : 1
        default: return try order(left, right)
        }
    }

    static func order(_ left: TemplateValue, _ right: TemplateValue) throws -> Int {
        guard left.kind == right.kind else { throw TemplateFunctionError("incompatible types for comparison") }
        switch (left, right) {
        case (.int(let a), .int(let b)): return a < b ? -1 : (a > b ? 1 : 0)
        case (.float(let a), .float(let b)): return a < b ? -1 : (a > b ? 1 : (a == b ? 0 : 1))
        case (.string(let a), .string(let b)), (.html(let a), .html(let b)), (.string(let a), .html(let b)),
            (.html(let a), .string(let b)):
            let x = Array(a.utf8)
            let y = Array(b.utf8)
            return x.lexicographicallyPrecedes(y) ? -1 : (x == y ? 0 : 1)
        default: throw TemplateFunctionError("invalid type for comparison")
        }
    }

    /// text/template's HTMLEscapeString.
    static func htmlEscape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "'": out += "&#39;"
            case "\"": out += "&#34;"
            case "\u{0}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// text/template's JSEscapeString.
    static func jsEscape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\"": out += "\\\""
            case "<": out += "\\u003C"
            case ">": out += "\\u003E"
            case "&": out += "\\u0026"
            case "=": out += "\\u003D"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// Go's `url.QueryEscape`.
    static func queryEscape(_ text: String) -> String {
        PercentEncoding.queryComponent(text, spaceAsPlus: true)
    }
}
