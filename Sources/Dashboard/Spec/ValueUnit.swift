/// How a panel prints its numbers. Short forms fit a stat in 16 columns and a
/// y-axis label in 7: `1.23k`, `12.3%`, `250ms`, `$4.10`.
public enum ValueUnit: Sendable, Hashable {
    /// SI-scaled plain numbers.
    case short
    /// A ratio 0…1 shown as a percentage.
    case ratio
    /// A number already in percent.
    case percent
    case seconds
    case milliseconds
    case bytes
    case usd
    /// A short number followed by a free-form suffix (`req/s`, `tok/s`, `$/h`).
    case suffix(String)

    /// Accepts the unit names of dashboard files; any other text becomes a suffix.
    public init(name: String) {
        switch name {
        case "", "short", "none": self = .short
        case "ratio", "percentunit": self = .ratio
        case "percent", "%": self = .percent
        case "seconds", "s": self = .seconds
        case "milliseconds", "ms": self = .milliseconds
        case "bytes": self = .bytes
        case "usd", "$", "currencyUSD": self = .usd
        default: self = .suffix(name)
        }
    }

    /// The Grafana unit id for the same formatting.
    public var grafanaUnit: String {
        switch self {
        case .short: return "short"
        case .ratio: return "percentunit"
        case .percent: return "percent"
        case .seconds: return "s"
        case .milliseconds: return "ms"
        case .bytes: return "bytes"
        case .usd: return "currencyUSD"
        case .suffix(let text): return "suffix: \(text)"
        }
    }

    /// The value as short text; `compact` leaves out a suffix (axis labels).
    public func format(_ value: Double, compact: Bool = false) -> String {
        guard !value.isNaN else { return "NaN" }
        guard value.isFinite else { return value > 0 ? "+Inf" : "-Inf" }
        switch self {
        case .short: return Self.si(value)
        case .ratio: return Self.significant(value * 100) + "%"
        case .percent: return Self.significant(value) + "%"
        case .seconds: return Self.duration(value)
        case .milliseconds: return Self.duration(value / 1000)
        case .bytes: return Self.binary(value)
        case .usd:
            let magnitude = abs(value)
            if magnitude >= 1000 { return (value < 0 ? "-$" : "$") + Self.si(magnitude) }
            if magnitude >= 0.01 || magnitude == 0 { return (value < 0 ? "-$" : "$") + Self.fixed(magnitude, 2) }
            return (value < 0 ? "-$" : "$") + Self.significant(magnitude)
        case .suffix(let text): return compact ? Self.si(value) : Self.si(value) + " " + text
        }
    }

    /// Three significant digits with SI prefixes: 0.0123, 1.23, 12.3, 123, 1.23k, 12.3M.
    static func si(_ value: Double) -> String {
        let magnitude = abs(value)
        let prefixes: [(Double, String)] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
        for (scale, prefix) in prefixes where magnitude >= scale * 0.9995 {
            return significant(value / scale) + prefix
        }
        return significant(value)
    }

    static func binary(_ value: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var scaled = value
        var index = 0
        while abs(scaled) >= 1024 && index < units.count - 1 {
            scaled /= 1024
            index += 1
        }
        return significant(scaled) + " " + units[index]
    }

    static func duration(_ seconds: Double) -> String {
        let magnitude = abs(seconds)
        if magnitude == 0 { return "0s" }
        if magnitude < 0.001 { return significant(seconds * 1_000_000) + "µs" }
        if magnitude < 1 { return significant(seconds * 1000) + "ms" }
        if magnitude < 60 { return significant(seconds) + "s" }
        if magnitude < 3600 { return significant(seconds / 60) + "m" }
        if magnitude < 86400 { return significant(seconds / 3600) + "h" }
        return significant(seconds / 86400) + "d"
    }

    /// Up to three significant digits, no exponent, trailing zeros dropped.
    static func significant(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude == 0 { return "0" }
        if magnitude >= 100 { return fixed(value, 0) }
        if magnitude >= 10 { return trimmed(fixed(value, 1)) }
        if magnitude >= 1 { return trimmed(fixed(value, 2)) }
        // Below 1: three significant digits, at most 6 decimals.
        var decimals = 3
        var probe = magnitude * 10
        while probe < 1 && decimals < 6 {
            probe *= 10
            decimals += 1
        }
        return trimmed(fixed(value, decimals))
    }

    /// `value` with exactly `decimals` decimals, rounded half away from zero.
    static func fixed(_ value: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (abs(value) * scale).rounded()
        guard rounded < 9e15 else { return value < 0 ? "-" + String(Int64(abs(value))) : String(Int64(value)) }
        let whole = Int64(rounded) / Int64(scale)
        let fraction = Int64(rounded) % Int64(scale)
        var text = (value < 0 && rounded > 0 ? "-" : "") + String(whole)
        if decimals > 0 {
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: decimals - digits.count) + digits
        }
        return text
    }

    private static func trimmed(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var result = Substring(text)
        while result.hasSuffix("0") { result = result.dropLast() }
        if result.hasSuffix(".") { result = result.dropLast() }
        return String(result)
    }
}
