/// Timestamps as logs write them: RFC 3339 text or epoch numbers.
public enum TimeParsing {
    /// Reads an epoch number in seconds, milliseconds, microseconds or nanoseconds,
    /// telling them apart by magnitude (any date between 1973 and 5138 is unambiguous).
    /// Nil for a number that is no time at all, however large: a hostile `1e25`
    /// must become a rejected line, never a trap in the conversion.
    public static func epochMillis(_ value: Double) -> Timestamp? {
        guard value.isFinite, value > 0 else { return nil }
        let millis: Double
        switch value {
        case ..<1e11: millis = value * 1000
        case ..<1e14: millis = value
        case ..<1e17: millis = value / 1000
        default: millis = value / 1_000_000
        }
        return Timestamp(exactly: millis.rounded())
    }

    /// Parses `2026-11-28T02:25:48.123Z`, `…+02:00`, a space instead of `T`, and a
    /// bare date-time without zone (taken as UTC). Returns nil for anything else.
    public static func rfc3339Millis(_ text: String) -> Timestamp? {
        var utf8 = Array(text.utf8)
        return utf8.withUnsafeMutableBufferPointer { rfc3339Millis(UnsafeBufferPointer($0)) }
    }

    public static func rfc3339Millis(_ b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
        var index = 0
        func digits(_ count: Int) -> Int? {
            guard index + count <= b.count else { return nil }
            var value = 0
            for _ in 0..<count {
                let digit = b[index] &- 0x30
                guard digit < 10 else { return nil }
                value = value * 10 + Int(digit)
                index += 1
            }
            return value
        }
        func expect(_ character: UInt8) -> Bool {
            guard index < b.count, b[index] == character else { return false }
            index += 1
            return true
        }
        guard let year = digits(4), expect(0x2D), let month = digits(2), expect(0x2D), let day = digits(2) else {
            return nil
        }
        guard index < b.count, b[index] == UInt8(ascii: "T") || b[index] == UInt8(ascii: "t") || b[index] == 0x20 else {
            return nil
        }
        index += 1
        guard let hour = digits(2), expect(0x3A), let minute = digits(2), expect(0x3A), let second = digits(2) else {
            return nil
        }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60 else { return nil }
        var millis = 0
        if index < b.count, b[index] == UInt8(ascii: ".") || b[index] == UInt8(ascii: ",") {
            index += 1
            var scale = 100
            let start = index
            while index < b.count, b[index] &- 0x30 < 10 {
                millis += Int(b[index] - 0x30) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        var offsetSeconds = 0
        if index < b.count {
            switch b[index] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                index += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                let sign = b[index] == UInt8(ascii: "-") ? -1 : 1
                index += 1
                guard let offsetHours = digits(2) else { return nil }
                _ = expect(0x3A)
                guard let offsetMinutes = digits(2) else { return nil }
                offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
            default:
                return nil
            }
        }
        guard index == b.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds =
            Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + Swift.min(second, 59)) - Int64(offsetSeconds)
        return seconds * 1000 + Int64(millis)
    }

    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthIndex = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day count since 1970-01-01.
    public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// `2026-11-28T02:25:48.123Z`.
    public static func formatRFC3339(_ millis: Timestamp) -> String {
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let fraction = Int(millis - seconds * 1000)
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let secondOfDay = Int(seconds - Int64(days) * 86_400)
        let date = civilFromDays(days)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: Swift.max(0, width - text.count)) + text
        }
        var out = "\(pad(date.year, 4))-\(pad(date.month, 2))-\(pad(date.day, 2))T"
        out += "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
        if fraction != 0 { out += ".\(pad(fraction, 3))" }
        return out + "Z"
    }

    /// A time as Go writes it (Prometheus's and Alertmanager's JSON): RFC 3339
    /// with the fraction's trailing zeros dropped, `2026-11-28T02:25:48.12Z`.
    public static func formatGoRFC3339(_ millis: Timestamp) -> String {
        let text = formatRFC3339(millis)
        guard let dot = text.firstIndex(of: ".") else { return text }
        var fraction = text[text.index(after: dot)..<text.index(before: text.endIndex)]
        while fraction.hasSuffix("0") { fraction = fraction.dropLast() }
        return String(text[..<dot]) + (fraction.isEmpty ? "" : "." + fraction) + "Z"
    }

    /// Parses durations as Prometheus writes them: `1h30m`, `5m`, `250ms`, `2d`, `1w`, `1y`.
    public static func durationMillis(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [
            ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000), ("w", 604_800_000),
            ("y", 31_536_000_000),
        ]
        var rest = Substring(text)
        var total: Int64 = 0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && $0.isNumber }
            guard !number.isEmpty, let value = Int64(number) else { return nil }
            rest = rest.dropFirst(number.count)
            guard let unit = units.first(where: { rest.hasPrefix($0.0) && !(($0.0 == "m") && rest.hasPrefix("ms")) })
            else { return nil }
            rest = rest.dropFirst(unit.0.count)
            let (product, overflow) = value.multipliedReportingOverflow(by: unit.1)
            guard !overflow else { return nil }
            // Each part may fit and their sum not (`153722867280912m1h`): too long, not a trap.
            let (sum, sumOverflow) = total.addingReportingOverflow(product)
            guard !sumOverflow else { return nil }
            total = sum
        }
        return total
    }

    /// Formats milliseconds as the shortest Prometheus duration: `1h30m`, `250ms`.
    public static func formatDuration(_ millis: Int64) -> String {
        if millis == 0 { return "0s" }
        var rest = millis
        var out = ""
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] {
            if rest >= size {
                out += "\(rest / size)\(unit)"
                rest %= size
            }
        }
        return out
    }
}
