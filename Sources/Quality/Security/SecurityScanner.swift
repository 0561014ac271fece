/// Which part of an event a text came from; scanners differ by field.
public enum TextField: String, Sendable, Hashable, CaseIterable {
    case prompt, response, context
}

/// What scanning one text found, and the text with secrets replaced.
public struct ScanResult: Sendable, Equatable {
    public var findings: [SecurityFinding]
    /// The text with every redacted finding replaced by `[REDACTED:kind]`; nil when nothing was redacted.
    public var redacted: String?
}

/// Runs the scanners that apply to a field: secrets and personal data on every
/// field (so none is ever stored), injection markers on prompts and context,
/// exfiltration shapes on responses. Pure and cheap: it allocates only when it
/// finds something.
public struct SecurityScanner: Sendable {
    public let options: ScannerOptions

    public init(options: ScannerOptions = ScannerOptions()) { self.options = options }

    public func scan(_ text: String, field: TextField) -> ScanResult {
        var text = text
        let options = options
        let findings = text.withUTF8 { bytes -> [SecurityFinding] in
            var findings: [SecurityFinding] = []
            if options.sensitiveData { SensitiveDataScanner.scan(bytes, into: &findings) }
            if options.promptInjection && field != .response {
                InjectionScanner.scan(bytes, base64MinLength: options.base64MinLength, into: &findings)
            }
            if options.exfiltration && field == .response {
                ExfiltrationScanner.scan(bytes, allowedHosts: options.allowedHosts, into: &findings)
            }
            return findings
        }
        guard !findings.isEmpty else { return ScanResult(findings: [], redacted: nil) }
        return ScanResult(findings: findings, redacted: Self.redact(text, findings))
    }

    /// Text stored beside the scanned fields (unknown attributes, excerpts of
    /// rejected lines) with its secrets and personal data replaced; nil when it
    /// holds none. Not counted as findings: such text has no model or field.
    public func redactSensitiveData(_ text: String) -> String? {
        guard options.sensitiveData else { return nil }
        var text = text
        let findings = text.withUTF8 { bytes -> [SecurityFinding] in
            var findings: [SecurityFinding] = []
            SensitiveDataScanner.scan(bytes, into: &findings)
            return findings
        }
        return findings.isEmpty ? nil : Self.redact(text, findings)
    }

    /// Replaces redacted findings, merging overlaps (an email inside an
    /// exfiltration query string is one redaction), or nil if none is redacted.
    static func redact(_ text: String, _ findings: [SecurityFinding]) -> String? {
        let spans = findings.filter { $0.kind.isRedacted }.sorted { $0.range.lowerBound < $1.range.lowerBound }
        guard !spans.isEmpty else { return nil }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var cursor = 0
        var index = 0
        while index < spans.count {
            var range = spans[index].range
            let kind = spans[index].kind
            index += 1
            while index < spans.count, spans[index].range.lowerBound < range.upperBound {
                range = range.lowerBound..<max(range.upperBound, spans[index].range.upperBound)
                index += 1
            }
            guard range.lowerBound >= cursor else { continue }
            out += bytes[cursor..<range.lowerBound]
            out += "[REDACTED:\(kind.rawValue)]".utf8
            cursor = range.upperBound
        }
        out += bytes[cursor...]
        return String(decoding: out, as: UTF8.self)
    }
}
