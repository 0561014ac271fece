/// Prometheus's `humanize*` template functions, digit for digit: four
/// significant digits (`%.4g`), SI or binary prefixes, and durations spelt
/// `1d 2h 3m 4s` above a second and with milli/micro prefixes below.
enum Humanize {
    private static func significant(_ value: Double) -> String { GoFloat.fixed(value, verb: "g", precision: 4) }

    /// `humanize`: 1234 → `1.234k`, 0.0001234 → `123.4u`.
    static func si(_ input: Double) -> String {
        if input == 0 || input.isNaN || input.isInfinite { return significant(input) }
        var value = input
        var prefix = ""
        if Swift.abs(value) >= 1 {
            for candidate in ["k", "M", "G", "T", "P", "E", "Z", "Y"] {
                if Swift.abs(value) < 1000 { break }
                prefix = candidate
                value /= 1000
            }
            return significant(value) + prefix
        }
        for candidate in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if Swift.abs(value) >= 1 { break }
            prefix = candidate
            value *= 1000
        }
        return significant(value) + prefix
    }

    /// `humanize1024`: 1048576 → `1Mi`.
    static func binary(_ input: Double) -> String {
        if Swift.abs(input) <= 1 || input.isNaN || input.isInfinite { return significant(input) }
        var value = input
        var prefix = ""
        for candidate in ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"] {
            if Swift.abs(value) < 1024 { break }
            prefix = candidate
            value /= 1024
        }
        return significant(value) + prefix
    }

    /// `humanizeDuration` of seconds: 90061 → `1d 1h 1m 1s`, 1.5 → `1.5s`, 0.0123 → `12.3ms`.
    static func duration(_ input: Double) -> String {
        if input.isNaN || input.isInfinite { return significant(input) }
        if input == 0 { return significant(input) + "s" }
        var value = input
        if Swift.abs(value) >= 1 {
            var sign = ""
            if value < 0 {
                sign = "-"
                value = -value
            }
            let whole = goInt64(value)
            let seconds = whole % 60
            let minutes = (whole / 60) % 60
            let hours = (whole / 3600) % 24
            let days = whole / 86_400
            if days != 0 { return "\(sign)\(days)d \(hours)h \(minutes)m \(seconds)s" }
            if hours != 0 { return "\(sign)\(hours)h \(minutes)m \(seconds)s" }
            if minutes != 0 { return "\(sign)\(minutes)m \(seconds)s" }
            return sign + significant(value) + "s"
        }
        var prefix = ""
        for candidate in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if Swift.abs(value) >= 1 { break }
            prefix = candidate
            value *= 1000
        }
        return significant(value) + prefix + "s"
    }

    /// `humanizePercentage`: 0.1234 → `12.34%`.
    static func percentage(_ input: Double) -> String { significant(input * 100) + "%" }
}

/// Go's float-to-int64 conversion on amd64: out of range (or NaN) gives the
/// minimum int64 instead of trapping.
func goInt64(_ value: Double) -> Int64 {
    guard value.isFinite, value > -9.223372036854775808e18, value < 9.223372036854775808e18 else { return .min }
    return Int64(value)
}

/// Durations as Prometheus's `model.ParseDuration` accepts them: units in the
/// order y, w, d, h, m, s, ms, each at most once, or a bare `0`.
public enum PrometheusDuration {
    public static func parse(_ text: String) -> Int64? {
        if text == "0" { return 0 }
        let units: [(String, Int64)] = [
            ("y", 31_536_000_000), ("w", 604_800_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000),
            ("s", 1000), ("ms", 1),
        ]
        var rest = Substring(text)
        var total: Int64 = 0
        var next = 0
        var any = false
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let value = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            var matched = false
            while next < units.count {
                let (unit, size) = units[next]
                next += 1
                // `m` must not take the `m` of `ms`.
                if rest.hasPrefix(unit) && !(unit == "m" && rest.hasPrefix("ms")) {
                    rest = rest.dropFirst(unit.count)
                    let (product, overflow) = value.multipliedReportingOverflow(by: size)
                    guard !overflow else { return nil }
                    let (sum, overflowSum) = total.addingReportingOverflow(product)
                    guard !overflowSum else { return nil }
                    total = sum
                    matched = true
                    break
                }
            }
            guard matched else { return nil }
            any = true
        }
        return any ? total : nil
    }

    /// Prometheus's `model.Duration.String()`: `1h30m`, `1d`, `2w`, `0s`.
    public static func format(_ millis: Int64) -> String {
        if millis == 0 { return "0s" }
        var rest = millis
        var out = ""
        let units: [(String, Int64, Bool)] = [
            ("y", 31_536_000_000, true), ("w", 604_800_000, true), ("d", 86_400_000, false), ("h", 3_600_000, false),
            ("m", 60_000, false), ("s", 1000, false), ("ms", 1, false),
        ]
        for (unit, size, exact) in units {
            if exact && rest % size != 0 { continue }
            let count = rest / size
            if count > 0 {
                out += "\(count)\(unit)"
                rest -= count * size
            }
        }
        return out
    }
}
