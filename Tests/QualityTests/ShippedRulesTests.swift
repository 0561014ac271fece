import Foundation
import InfermonTesting
import Testing

/// The example rule file must stay valid for Prometheus itself.
@Suite struct ShippedRulesTests {
    static let repository = String(#filePath.split(separator: "/Tests/").first!)

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool")))
    func promtoolAcceptsTheQualityRules() async throws {
        let directory = try TemporaryDirectory()
        let result = try await runCommand(
            "/usr/bin/promtool", ["check", "rules", Self.repository + "/rules/quality.rules.yaml"],
            directory: directory.path, name: "promtool")
        let text = result.stdout + result.stderr
        #expect(result.status == 0, "\(text)")
        #expect(text.contains("SUCCESS: 9 rules found"))
    }

    @Test func ratesAlertOnTheLowerBoundOnly() throws {
        let text = try String(contentsOfFile: Self.repository + "/rules/quality.rules.yaml", encoding: .utf8)
        for line in text.split(separator: "\n") where line.contains("expr:") && line.contains("_rate{") {
            #expect(line.contains("bound=\"lower\""), "\(line)")
            if line.contains("infermon_hallucination_rate{") {
                #expect(line.contains("method=\"ppi\""), "hallucination alerts page on the PPI bound: \(line)")
            }
        }
    }
}
