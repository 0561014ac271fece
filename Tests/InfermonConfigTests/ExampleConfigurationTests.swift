import Foundation
import InfermonConfig
import InfermonCore
import Testing

/// `deploy/infermon.example.yaml` is the reference users copy from: it must
/// load, turn every section on, and mention every key the loader accepts.
@Suite("Example configuration")
struct ExampleConfigurationTests {
    static let path = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("deploy/infermon.example.yaml").path

    @Test func loadsAndConfiguresEverySection() throws {
        let config = try ConfigurationLoader.load(
            path: Self.path, profiles: ["native", "openai", "otel-genai", "litellm"])
        #expect(config.server.tokenFile != nil)
        #expect(!config.sources.isEmpty)
        #expect(!config.scrape.jobs.isEmpty)
        #expect(config.notifications.isEnabled)
        #expect(!config.notifications.inhibitRules.isEmpty)
        #expect(!config.budgets.isEmpty)
        #expect(!config.slos.isEmpty)
        #expect(config.quality.llmJudge != nil)
        #expect(!config.rules.externalLabels.isEmpty)
    }

    @Test func documentsEveryKeyTheLoaderAccepts() throws {
        let audit = YAMLValue.KeyAudit()
        try YAMLValue.$keyAudit.withValue(audit) {
            _ = try ConfigurationLoader.load(path: Self.path, profiles: ["native", "openai", "otel-genai", "litellm"])
        }
        let text = try String(contentsOfFile: Self.path, encoding: .utf8)
        // Exclusive alternatives (url or url_file, previous or from/to) may appear in comments.
        let missing = audit.keys.filter { !text.contains("\($0):") }.sorted()
        #expect(audit.keys.count > 100, "the audit saw the whole file: \(audit.keys.count) keys")
        #expect(missing.isEmpty, "keys accepted but not documented in the example: \(missing)")
    }
}
