import InfermonCore
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Structured log lines on stderr, for journald: logfmt by default, JSON on request.
/// One `write(2)` per line so lines from different threads never interleave.
struct StructuredLogHandler: LogHandler {
    enum Format: Sendable { case logfmt, json }

    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level
    let label: String
    let format: Format

    init(label: String, level: Logger.Level, format: Format) {
        self.label = label
        self.logLevel = level
        self.format = format
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("ts", TimeParsing.formatRFC3339(SystemWallClock().now())), ("level", event.level.rawValue),
            ("logger", label), ("msg", event.message.description),
        ]
        let merged = self.metadata.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) { fields.append((key, "\(value)")) }
        var line = ""
        switch format {
        case .logfmt:
            line = fields.map { key, value in "\(key)=\(Self.logfmtValue(value))" }.joined(separator: " ")
        case .json:
            line = "{"
            for (index, field) in fields.enumerated() {
                if index > 0 { line += "," }
                writeJSONString(field.0, to: &line)
                line += ":"
                writeJSONString(field.1, to: &line)
            }
            line += "}"
        }
        line += "\n"
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }

    static func logfmtValue(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "\n" }
        guard needsQuotes else { return value }
        var out = "\""
        for character in value {
            switch character {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out + "\""
    }
}

enum LogSetup {
    /// Bootstraps logging once per process; later calls are ignored.
    static func bootstrap(level: String, json: Bool) {
        let parsed = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in
            StructuredLogHandler(label: label, level: parsed, format: json ? .json : .logfmt)
        }
    }
}
