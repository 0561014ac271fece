import InfermonCore

/// The rule engine's keys, at the top level as in Prometheus's own
/// configuration: `rule_files` (globs, relative to the configuration file's
/// directory), `evaluation_interval` (for groups that set none) and
/// `external_labels` (added to alerts sent to notification, and the
/// templates' `$externalLabels`).
public struct RulesSection: Sendable, Equatable {
    /// By default, the shipped rules next to the configuration (or in the working directory).
    public static let defaultRuleFiles = ["rules/*.rules.yaml"]

    public var ruleFiles: [String] = RulesSection.defaultRuleFiles
    public var evaluationInterval: Int64 = 60_000
    public var externalLabels: [String: String] = [:]

    public init() {}

    static let keys: Set<String> = ["rule_files", "evaluation_interval", "external_labels"]

    /// Reads the keys it owns from the top-level mapping.
    static func parse(_ top: YAMLMapping) throws -> RulesSection {
        var section = RulesSection()
        if let files = top["rule_files"] {
            section.ruleFiles = try files.sequenceOrSingle().map { try $0.string() }
        }
        if let interval = top["evaluation_interval"] {
            let millis = try interval.duration()
            guard millis >= 100 else { throw interval.error("evaluation_interval must be at least 100ms") }
            section.evaluationInterval = millis
        }
        if let labels = top["external_labels"] {
            for (name, value) in try labels.entries() {
                guard isLabelName(name), name != Labels.metricName else {
                    throw value.error("\"\(name)\" is not a valid label name")
                }
                section.externalLabels[name] = try value.string()
            }
        }
        return section
    }

    /// The directory relative `rule_files` are taken from: the configuration file's, or the working directory.
    public func baseDirectory(configFile: String?) -> String {
        guard let configFile, let slash = configFile.lastIndex(of: "/") else { return "." }
        let directory = String(configFile[..<slash])
        return directory.isEmpty ? "/" : directory
    }

    private static func isLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first,
            first == UInt8(ascii: "_") || (first | 0x20) >= 0x61 && (first | 0x20) <= 0x7A
        else { return false }
        return name.utf8.allSatisfy {
            $0 == UInt8(ascii: "_") || ($0 >= 0x30 && $0 <= 0x39) || (($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A)
        }
    }
}
