import InfermonCore

/// Parses the Prometheus text format and the basics of OpenMetrics text.
///
/// Lenient where Prometheus is lenient (unknown escapes in label values are kept
/// as written, comments that are not HELP/TYPE are skipped), strict where a
/// wrong guess would store wrong data (a malformed line fails the whole body).
/// `_created` samples of counters, histograms and summaries are dropped: they
/// are creation times, which both OpenMetrics and prometheus_client's classic
/// output (`vllm:prompt_tokens_created`) carry, and not measurements.
public enum ExpositionParser {
    public static func parse(_ body: [UInt8], format: ExpositionFormat) throws(ExpositionError) -> Exposition {
        var exposition = Exposition()
        var seen: Set<Labels> = []
        var lineNumber = 0
        var start = 0
        while start < body.count {
            lineNumber += 1
            var end = start
            while end < body.count, body[end] != 0x0A { end += 1 }
            var line = LineScanner(body[start..<end], line: lineNumber)
            start = end + 1
            line.skipSpaces()
            guard !line.atEnd else { continue }
            if line.peek == UInt8(ascii: "#") {
                if case .endOfFile = try line.comment(into: &exposition, format: format) { break }
                continue
            }
            let sample = try line.sample(format: format)
            if seen.insert(sample.labels).inserted {
                exposition.samples.append(sample)
            } else {
                exposition.duplicates += 1
            }
        }
        dropCreatedSamples(&exposition)
        return exposition
    }

    /// Removes `X_created` when `X` (or `X_total`) is declared as a family that has creation times.
    private static func dropCreatedSamples(_ exposition: inout Exposition) {
        let types = exposition.types
        guard types.values.contains(where: \.hasCreatedSample) else { return }
        exposition.samples.removeAll { sample in
            guard let name = sample.labels.name, name.hasSuffix("_created") else { return false }
            let base = String(name.dropLast("_created".count))
            return types[base]?.hasCreatedSample == true || types[base + "_total"] == .counter
        }
    }
}

/// Reads one line of an exposition.
struct LineScanner {
    enum CommentResult { case skipped, endOfFile }

    let bytes: ArraySlice<UInt8>
    let line: Int
    var position: Int

    init(_ bytes: ArraySlice<UInt8>, line: Int) {
        // Tolerate CRLF line ends from exporters written on Windows.
        self.bytes = bytes.last == 0x0D ? bytes.dropLast() : bytes
        self.line = line
        position = bytes.startIndex
    }

    var atEnd: Bool { position >= bytes.endIndex }
    var peek: UInt8? { atEnd ? nil : bytes[position] }

    func error(_ message: String) -> ExpositionError { ExpositionError(line: line, message: message) }

    mutating func skipSpaces() {
        while let byte = peek, byte == 0x20 || byte == 0x09 { position += 1 }
    }

    /// A run of bytes up to the next space, tab or end of line.
    mutating func token() -> String {
        let start = position
        while let byte = peek, byte != 0x20, byte != 0x09 { position += 1 }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    // MARK: Comments

    mutating func comment(into exposition: inout Exposition, format: ExpositionFormat) throws(ExpositionError)
        -> CommentResult
    {
        position += 1  // "#"
        skipSpaces()
        let keyword = token()
        if keyword == "EOF" && format == .openMetrics { return .endOfFile }
        guard keyword == "TYPE" else { return .skipped }  // HELP, UNIT and plain comments
        skipSpaces()
        let family = token()
        guard PrometheusNames.isMetricName(family) else { throw error("invalid metric name \"\(family)\" in TYPE") }
        skipSpaces()
        let typeName = token()
        guard let type = MetricType(rawValue: typeName) else { throw error("unknown metric type \"\(typeName)\"") }
        // A second TYPE line for a family breaks the format's rules but no data; the first wins.
        if exposition.types[family] == nil { exposition.types[family] = type }
        return .skipped
    }

    // MARK: Samples

    mutating func sample(format: ExpositionFormat) throws(ExpositionError) -> ExpositionSample {
        let name = try metricName()
        var pairs = [Label(Labels.metricName, name)]
        skipSpaces()
        if peek == UInt8(ascii: "{") {
            position += 1
            try labels(into: &pairs)
        }
        skipSpaces()
        let valueText = token()
        guard !valueText.isEmpty else { throw error("\(name) has no value") }
        guard let value = parseFloat(valueText) else { throw error("invalid value \"\(valueText)\" for \(name)") }
        skipSpaces()
        var timestamp: Timestamp?
        if let byte = peek, byte != UInt8(ascii: "#") {
            timestamp = try self.timestamp(token(), format: format)
            skipSpaces()
        }
        // An OpenMetrics exemplar (`# {trace_id="…"} 1.0`) annotates the sample; it is not stored.
        if peek == UInt8(ascii: "#") {
            guard format == .openMetrics else { throw error("unexpected \"#\" after the value of \(name)") }
        } else if !atEnd {
            throw error("unexpected text after the sample of \(name)")
        }
        return ExpositionSample(labels: Labels(pairs), value: value, timestamp: timestamp)
    }

    private mutating func metricName() throws(ExpositionError) -> String {
        let start = position
        while let byte = peek, isNameByte(byte, colon: true, first: position == start) { position += 1 }
        guard position > start else {
            throw error(
                "expected a metric name, found \"\(String(decoding: bytes[position...].prefix(20), as: UTF8.self))\"")
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func labels(into pairs: inout [Label]) throws(ExpositionError) {
        var names: Set<String> = []
        while true {
            skipSpaces()
            if peek == UInt8(ascii: "}") {
                position += 1
                return
            }
            let start = position
            while let byte = peek, isNameByte(byte, colon: false, first: position == start) { position += 1 }
            guard position > start else { throw error("expected a label name") }
            let name = String(decoding: bytes[start..<position], as: UTF8.self)
            guard name != Labels.metricName else { throw error("\(Labels.metricName) set as a label") }
            guard names.insert(name).inserted else { throw error("label \(name) appears twice") }
            skipSpaces()
            guard peek == UInt8(ascii: "=") else { throw error("expected \"=\" after label \(name)") }
            position += 1
            skipSpaces()
            pairs.append(Label(name, try quoted(label: name)))
            skipSpaces()
            if peek == UInt8(ascii: ",") {
                position += 1
            } else if peek != UInt8(ascii: "}") {
                throw error("expected \",\" or \"}\" after label \(name)")
            }
        }
    }

    /// A label value: `\\`, `\"` and `\n` are escapes; any other backslash stays as written.
    private mutating func quoted(label: String) throws(ExpositionError) -> String {
        guard peek == UInt8(ascii: "\"") else { throw error("the value of label \(label) must be quoted") }
        position += 1
        var out: [UInt8] = []
        while let byte = peek {
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: out, as: UTF8.self) else {
                    throw error("the value of label \(label) is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                guard let next = peek else { break }
                position += 1
                switch next {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "\\"), UInt8(ascii: "\""): out.append(next)
                default: out += [byte, next]
                }
            default: out.append(byte)
            }
        }
        throw error("unterminated value of label \(label)")
    }

    private func timestamp(_ text: String, format: ExpositionFormat) throws(ExpositionError) -> Timestamp {
        switch format {
        case .prometheusText:
            guard let millis = Int64(text) else { throw error("invalid timestamp \"\(text)\"") }
            return millis
        case .openMetrics:
            guard let seconds = Double(text), seconds.isFinite, abs(seconds) < 9e15 else {
                throw error("invalid timestamp \"\(text)\"")
            }
            return Timestamp((seconds * 1000).rounded())
        }
    }

    /// Go's ParseFloat spellings that exporters write: decimals, exponents, NaN, ±Inf.
    private func parseFloat(_ text: String) -> Double? {
        switch text.lowercased() {
        case "nan": return .nan
        case "+inf", "inf", "+infinity", "infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        default:
            guard
                text.utf8.allSatisfy({ byte in
                    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".")
                        || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") || byte == UInt8(ascii: "+")
                        || byte == UInt8(ascii: "-")
                })
            else { return nil }
            return Double(text)
        }
    }

    private func isNameByte(_ byte: UInt8, colon: Bool, first: Bool) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"): true
        case UInt8(ascii: ":"): colon
        case UInt8(ascii: "0")...UInt8(ascii: "9"): !first
        default: false
        }
    }
}
