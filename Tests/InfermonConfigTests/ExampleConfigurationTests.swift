import Alerting
import Foundation
import InfermonConfig
import InfermonCore
import LLMOps
import Notify
import Scrape
import Server
import Store
import Testing

/// `deploy/infermon.example.yaml` is the reference users copy from: as shipped
/// it starts a daemon with no secrets (notifications, the judge and scrape jobs
/// are commented-out blocks); with those blocks enabled it must load, turn every
/// section on, and mention every key the loader accepts.
@Suite("Example configuration")
struct ExampleConfigurationTests {
    static let path = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("deploy/infermon.example.yaml").path

    /// The file with its disabled blocks turned on, as the header tells an operator:
    /// a block starts at `#key:` and goes on while lines have a `#` in that column.
    static func enabledText() throws -> String {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(
            separator: "\n", omittingEmptySubsequences: false)
        var output: [String] = []
        var column: Int?
        for line in lines {
            let indent = line.prefix { $0 == " " }.count
            let rest = line.dropFirst(indent)
            if let current = column, indent == current, rest.hasPrefix("#") {
                output.append(String(line.prefix(indent) + rest.dropFirst()))
                continue
            }
            column = nil
            if rest.prefixMatch(of: /#[a-z_]+:/) != nil {
                column = indent
                output.append(String(line.prefix(indent) + rest.dropFirst()))
            } else {
                output.append(String(line))
            }
        }
        return output.joined(separator: "\n")
    }

    static func loadEnabled() throws -> Configuration {
        try YAMLValue.$environment.withValue([:]) {
            try ConfigurationLoader.load(text: try enabledText(), file: path)
        }
    }

    @Test func asShippedNeedsNoSecretsOrHostsOfYours() throws {
        let config = try YAMLValue.$environment.withValue([:]) {
            try ConfigurationLoader.load(path: Self.path)
        }
        #expect(!config.notifications.isEnabled)
        #expect(config.llmJudge == nil)
        #expect(config.scrape.jobs.isEmpty)
        #expect(config.storage.path == nil, "the store goes to $STATE_DIRECTORY")
        let base = String(Self.path[...Self.path.lastIndex(of: "/")!])
        #expect(config.server.tokenFile == base + "./token")
        #expect(config.pricing.path == base + "rules/pricing.yaml")
        let credentials = try YAMLValue.$environment.withValue(["CREDENTIALS_DIRECTORY": "/run/credentials/x"]) {
            try ConfigurationLoader.load(path: Self.path)
        }
        #expect(credentials.server.tokenFile == "/run/credentials/x/token")
    }

    @Test func loadsAndConfiguresEverySection() throws {
        let config = try Self.loadEnabled()
        #expect(config.server.tokenFile != nil)
        #expect(!config.sources.isEmpty)
        #expect(!config.scrape.jobs.isEmpty)
        #expect(config.notifications.isEnabled)
        #expect(!config.notifications.inhibitRules.isEmpty)
        #expect(!config.budgets.isEmpty)
        #expect(!config.slos.isEmpty)
        #expect(config.llmJudge != nil)
        #expect(!config.global.externalLabels.isEmpty)
        #expect(!config.ruleEvaluation.externalLabels.isEmpty)
    }

    @Test func documentsEveryKeyTheLoaderAccepts() throws {
        let audit = YAMLValue.KeyAudit()
        try YAMLValue.$keyAudit.withValue(audit) { _ = try Self.loadEnabled() }
        let text = try String(contentsOfFile: Self.path, encoding: .utf8)
        // Exclusive alternatives (url or url_file, previous or from/to) may appear in comments.
        let missing = audit.keys.filter { !text.contains("\($0):") }.sorted()
        #expect(audit.keys.count > 100, "the audit saw the whole file: \(audit.keys.count) keys")
        #expect(missing.isEmpty, "keys accepted but not documented in the example: \(missing)")
    }
}
