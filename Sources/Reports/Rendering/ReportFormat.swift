import InfermonCore

/// How numbers, times and durations read in both renderers.
public enum ReportFormat: String, Sendable, CaseIterable {
    case html, markdown

    /// The file name extension of a report in this format.
    public var fileExtension: String { self == .html ? "html" : "md" }
    public var contentType: String { self == .html ? "text/html; charset=utf-8" : "text/markdown; charset=utf-8" }
}

enum Text {
    /// `2026-12-07 14:05 UTC`.
    static func time(_ millis: Timestamp) -> String {
        let text = TimeParsing.formatRFC3339(millis)  // 2026-12-07T14:05:00.000Z or without millis
        let date = text.prefix(10)
        let clock = text.dropFirst(11).prefix(5)
        return "\(date) \(clock) UTC"
    }

    /// `12-07 14:05`, for chart axes.
    static func shortTime(_ millis: Timestamp) -> String {
        let text = TimeParsing.formatRFC3339(millis)
        return String(text.dropFirst(5).prefix(5)) + " " + String(text.dropFirst(11).prefix(5))
    }

    /// Up to `digits` significant decimals, no exponent for everyday sizes; `–` for a missing value.
    static func number(_ value: Double, digits: Int = 3) -> String {
        guard value.isFinite else { return value.isNaN ? "–" : (value > 0 ? "∞" : "-∞") }
        let magnitude = abs(value)
        if magnitude >= 1_000_000 { return grouped(value.rounded()) }
        if magnitude >= 100 { return grouped(value.rounded()) }
        if magnitude != 0 && magnitude < 0.0001 { return scientific(value) }
        var places = digits
        if magnitude >= 10 { places = max(0, digits - 2) } else if magnitude >= 1 { places = max(0, digits - 1) }
        return fixed(value, places: magnitude < 1 ? digits + leadingZeros(magnitude) : places)
    }

    static func leadingZeros(_ magnitude: Double) -> Int {
        var zeros = 0
        var value = magnitude
        while value != 0 && value < 0.1 && zeros < 6 {
            value *= 10
            zeros += 1
        }
        return zeros
    }

    static func fixed(_ value: Double, places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = Int64(scaled / scale)
        var fraction = String(Int64(scaled - Double(whole) * scale))
        while fraction.count < places { fraction = "0" + fraction }
        var text = (value < 0 && scaled != 0 ? "-" : "") + String(whole)
        if places > 0 {
            while fraction.hasSuffix("0") { fraction.removeLast() }
            if !fraction.isEmpty { text += "." + fraction }
        }
        return text
    }

    static func grouped(_ value: Double) -> String {
        let digits = String(Int64(abs(value)))
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(character)
        }
        return (value < 0 ? "-" : "") + out
    }

    static func scientific(_ value: Double) -> String {
        var exponent = 0
        var mantissa = abs(value)
        while mantissa < 1 {
            mantissa *= 10
            exponent -= 1
        }
        while mantissa >= 10 {
            mantissa /= 10
            exponent += 1
        }
        return (value < 0 ? "-" : "") + fixed(mantissa, places: 2) + "e" + String(exponent)
    }

    static func percent(_ ratio: Double?) -> String {
        guard let ratio, ratio.isFinite else { return "–" }
        return fixed(ratio * 100, places: abs(ratio) < 0.1 ? 2 : 1) + "%"
    }

    static func usd(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        return "$" + (abs(value) >= 100 ? grouped(value.rounded()) : fixed(value, places: 2))
    }

    /// Seconds as `850 ms` or `1.24 s`.
    static func seconds(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        return value < 1 ? fixed(value * 1000, places: value < 0.01 ? 1 : 0) + " ms" : fixed(value, places: 2) + " s"
    }

    static func duration(_ millis: Int64) -> String {
        let minutes = millis / 60_000
        if minutes < 60 { return "\(minutes) min" }
        let hours = minutes / 60
        if hours < 48 { return "\(hours) h \(minutes % 60) min" }
        return "\(hours / 24) d \(hours % 24) h"
    }

    static func interval(_ lower: Double?, _ upper: Double?) -> String {
        guard let lower, let upper else { return "–" }
        return "[" + percent(lower) + ", " + percent(upper) + "]"
    }

    /// `[0.81, 0.86]` for a plain-number interval.
    static func bounds(_ lower: Double?, _ upper: Double?) -> String {
        guard let lower, let upper else { return "–" }
        return "[" + number(lower) + ", " + number(upper) + "]"
    }

    static func html(_ text: String) -> String { escapeHTML(text) }

    /// A Markdown table cell: pipes escaped, line breaks flattened.
    static func cell(_ text: String) -> String {
        text.split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|")
            .split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
