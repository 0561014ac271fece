import Foundation
import Testing

/// The example rule file must stay valid for Prometheus itself.
@Suite struct ShippedRulesTests {
    static let repository = String(#filePath.split(separator: "/Tests/").first!)

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool")))
    func promtoolAcceptsTheQualityRules() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/promtool")
        process.arguments = ["check", "rules", Self.repository + "/rules/quality.rules.yaml"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("SUCCESS: 8 rules found"))
    }

    @Test func ratesAlertOnTheLowerBoundOnly() throws {
        let text = try String(contentsOfFile: Self.repository + "/rules/quality.rules.yaml", encoding: .utf8)
        for line in text.split(separator: "\n") where line.contains("expr:") && line.contains("_rate{") {
            #expect(line.contains("bound=\"lower\""), "\(line)")
        }
    }
}
