import Foundation
import InfermonTesting
import Query
import Testing

/// Runs every `testdata/*.test` file (promqltest style) as its own test.
struct PromQLScriptTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "testdata")

    static var scriptNames: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".test") }.sorted()
    }

    @Test func scriptsArePresent() {
        #expect(Self.scriptNames.count >= 10)
    }

    @Test(arguments: scriptNames)
    func script(_ name: String) throws {
        let text = try String(contentsOf: Self.directory.appendingPathComponent(name), encoding: .utf8)
        let script = try PromQLTestScript(text, file: name)
        let failures = script.run()
        #expect(failures.isEmpty, "\(failures.count) failure(s):\n\(failures.joined(separator: "\n"))")
    }
}
