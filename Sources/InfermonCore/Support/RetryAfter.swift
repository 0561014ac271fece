/// Reads `Retry-After`, which is either delay-seconds or an HTTP date
/// (RFC 9110: IMF-fixdate, plus the obsolete RFC 850 and asctime forms), for
/// notification receivers and the LLM judge's endpoint alike.
public enum RetryAfter {
    /// The absolute time (epoch ms) to wait for, or nil when the value is unreadable.
    public static func parse(_ value: String, now: Timestamp) -> Timestamp? {
        let text = value.trimming(where: \.isWhitespace)
        if let seconds = Int64(text), seconds >= 0 { return now + seconds * 1000 }
        return httpDate(text)
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// `Sun, 06 Nov 1994 08:49:37 GMT`, `Sunday, 06-Nov-94 08:49:37 GMT` or `Sun Nov  6 08:49:37 1994`.
    public static func httpDate(_ text: String) -> Timestamp? {
        let words = text.split { $0 == " " || $0 == "," }.map(String.init)
        var day: Int?
        var month: Int?
        var year: Int?
        var time: (Int, Int, Int)?
        for word in words {
            let lower = word.lowercased()
            if let index = months.firstIndex(of: lower) {
                month = index + 1
            } else if word.contains(":") {
                let parts = word.split(separator: ":").compactMap { Int($0) }
                guard parts.count == 3 else { return nil }
                time = (parts[0], parts[1], parts[2])
            } else if word.contains("-") {
                // RFC 850: 06-Nov-94
                let parts = word.split(separator: "-").map(String.init)
                guard parts.count == 3, let d = Int(parts[0]), let m = months.firstIndex(of: parts[1].lowercased()),
                    let y = Int(parts[2])
                else { return nil }
                day = d
                month = m + 1
                year = y < 100 ? (y < 70 ? 2000 + y : 1900 + y) : y
            } else if let number = Int(word) {
                if number > 31 { year = number } else { day = number }
            }
        }
        guard let day, let month, let year, let time, (1...31).contains(day), time.0 < 24, time.1 < 60, time.2 <= 60
        else { return nil }
        let days = Int64(TimeParsing.daysFromCivil(year: year, month: month, day: day))
        return (days * 86_400 + Int64(time.0 * 3600 + time.1 * 60 + time.2)) * 1000
    }
}
