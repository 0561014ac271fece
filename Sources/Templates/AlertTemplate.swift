/// One label or annotation template of an alerting rule, parsed once when the
/// rule file loads. Like Prometheus, it runs after the definitions
/// `$labels`, `$externalLabels`, `$externalURL` and `$value`, and a template
/// that fails at run time expands to `<error expanding template: …>` rather
/// than losing the alert.
public struct AlertTemplate: Sendable {
    /// What Prometheus puts in front of every alert template.
    static let definitions =
        "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"

    public let text: String
    let name: String
    private let parsed: ParsedTemplate?

    /// A parse failure, with the byte offset in `text` and Go's message
    /// (`template: __alert_X:1: function "nosuch" not defined`).
    public struct ParseError: Error, Sendable {
        public var offset: Int
        public var message: String
    }

    public init(_ text: String, ruleName: String) throws(ParseError) {
        self.text = text
        self.name = "__alert_" + ruleName
        // Text without actions expands to itself; skip the parser.
        guard text.contains("{{") else {
            parsed = nil
            return
        }
        let source = Self.definitions + text
        do {
            parsed = try TemplateParser.parse(source, name: name, functions: TemplateFunctions.names)
        } catch {
            let line = Self.line(of: error.offset, in: source)
            throw ParseError(
                offset: max(0, error.offset - Self.definitions.utf8.count),
                message: "template: \(name):\(line): \(error.message)")
        }
    }

    /// A value used as written, never expanded (recording rules' labels).
    public init(plain text: String) {
        self.text = text
        self.name = ""
        parsed = nil
    }

    /// Expands for one alert; never throws.
    public func expand(
        labels: [String: String], externalLabels: [String: String] = [:], externalURL: String = "", value: Double,
        query: (@Sendable (String) throws -> [QuerySample])? = nil
    ) -> String {
        guard let parsed else { return text }
        let data = AlertTemplateData(
            labels: labels, externalLabels: externalLabels, externalURL: externalURL, value: value)
        var executor = TemplateExecutor(
            template: parsed, environment: TemplateEnvironment(query: query, externalURL: externalURL))
        do {
            return try executor.run(dot: .data(data))
        } catch {
            let source = parsed.source
            let position =
                "\(name):\(Self.line(of: error.offset, in: source)):\(Self.column(of: error.offset, in: source))"
            return
                "<error expanding template: error executing template \(name): template: \(position): \(error.message)>"
        }
    }

    static func line(of offset: Int, in text: String) -> Int {
        1 + text.utf8.prefix(offset).filter { $0 == 0x0A }.count
    }

    /// Go's ErrorContext column: the byte offset on the first line, one-based after a newline.
    static func column(of offset: Int, in text: String) -> Int {
        let before = Array(text.utf8.prefix(offset))
        guard let newline = before.lastIndex(of: 0x0A) else { return offset }
        return offset - (newline + 1)
    }
}
