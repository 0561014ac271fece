import Alerting
import Foundation
import Testing

/// The rule files shipped in rules/: each has a test file that exercises every
/// alert it defines, and the tests pass in infermon and in promtool alike.
@Suite struct ShippedRulesTests {
    static let repository = String(#filePath.split(separator: "/Tests/").first!)
    static let rulesDirectory = repository + "/rules"

    static var ruleFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: rulesDirectory)) ?? [])
            .filter { $0.hasSuffix(".rules.yaml") }.sorted().map { rulesDirectory + "/" + $0 }
    }

    static func testFile(for ruleFile: String) -> String {
        let base = (ruleFile as NSString).lastPathComponent.replacingOccurrences(of: ".rules.yaml", with: "")
        return rulesDirectory + "/tests/" + base + ".test.yaml"
    }

    @Test func everyRuleFileHasATestThatFiresEachOfItsAlerts() throws {
        #expect(Self.ruleFiles.count >= 4)
        for file in Self.ruleFiles {
            let parsed = RuleFileParser.parse(try String(contentsOfFile: file, encoding: .utf8), file: file)
            #expect(parsed.errors.isEmpty, "\(parsed.errors)")
            let testPath = Self.testFile(for: file)
            let test = try RuleTestFile.parse(try String(contentsOfFile: testPath, encoding: .utf8), file: testPath)
            #expect(test.ruleFiles.contains("../" + (file as NSString).lastPathComponent))
            let exercised = Set(
                test.tests.flatMap { $0.alertTests.filter { !$0.expected.isEmpty }.map(\.alertname) })
            for rule in parsed.groups.flatMap(\.rules) where rule.kind == .alerting {
                #expect(exercised.contains(rule.name), "\(rule.name) in \(file) is never seen firing by its test")
            }
        }
    }

    /// The budget and SLO rules (from the llmops work) keep their tests next to them.
    static let otherRuleFiles = ["budgets", "slo"].map { rulesDirectory + "/\($0).yaml" }
    static let otherTests = ["budgets", "slo"].map { rulesDirectory + "/\($0).test.yaml" }

    static var allTests: [String] { ruleFiles.map(testFile) + otherTests }

    @Test func testsPassInInfermon() async throws {
        let runner = RuleTestRunner(standardOutput: { _ in }, standardError: { _ in })
        for file in Self.allTests {
            let failures = await runner.failures(of: file)
            #expect(failures.isEmpty, "\(file): \(failures.joined(separator: "\n"))")
        }
        for file in Self.otherRuleFiles {
            #expect(RuleFileParser.parse(try String(contentsOfFile: file, encoding: .utf8), file: file).errors.isEmpty)
        }
    }

    @Test(.enabled(if: Promtool.isAvailable)) func testsPassInPromtool() async throws {
        let check = try await Promtool.run(["check", "rules"] + Self.ruleFiles + Self.otherRuleFiles)
        #expect(check.status == 0, "\(check.error)")
        let test = try await Promtool.run(["test", "rules"] + Self.allTests)
        #expect(test.status == 0, "\(test.error)")
    }
}
