import Foundation
import InfermonCore
import InfermonTesting
import Testing

/// `infermon query` takes the times its help promises, Unix seconds among them.
@Suite("infermon query times")
struct QueryCommandTimeTests {
    @Test(arguments: [("unix", true), ("rfc3339", true), ("nonsense", false)])
    func rangeBoundsInEachForm(form: String, accepted: Bool) async throws {
        let directory = try TemporaryDirectory()
        try TestFiles.append("storage:\n  path: \(directory.file("store.db"))\n", to: directory.file("infermon.yaml"))
        let end = SystemWallClock().now() / 1000
        func time(_ seconds: Int64) -> String {
            switch form {
            case "unix": String(seconds)
            case "rfc3339": TimeParsing.formatRFC3339(seconds * 1000)
            default: "yesterday-ish"
            }
        }
        let result = try await runCommand(
            ChildProcess.infermonBinary(),
            [
                "query", "--config", directory.file("infermon.yaml"), "--start", time(end - 600), "--end", time(end),
                "--step", "60s", "vector(1)",
            ], directory: directory.path, name: "query")
        #expect((result.status == 0) == accepted, "\(form): \(result.stdout) \(result.stderr)")
        if accepted {
            #expect(result.stdout.contains("1"), "\(result.stdout)")
        } else {
            #expect(result.stderr.contains("is not a time"), "\(result.stderr)")
        }
    }

    @Test(arguments: [("60s", true), ("60", true), ("0.5", true), ("0", false), ("sixty", false)])
    func stepAsADurationOrSeconds(step: String, accepted: Bool) async throws {
        let directory = try TemporaryDirectory()
        try TestFiles.append("storage:\n  path: \(directory.file("store.db"))\n", to: directory.file("infermon.yaml"))
        let end = SystemWallClock().now() / 1000
        let result = try await runCommand(
            ChildProcess.infermonBinary(),
            [
                "query", "--config", directory.file("infermon.yaml"), "--start", String(end - 120), "--end",
                String(end), "--step", step, "--format", "json", "vector(1)",
            ], directory: directory.path, name: "query")
        #expect((result.status == 0) == accepted, "\(step): \(result.stdout) \(result.stderr)")
        if accepted {
            // 120 s at the step: one sample per step, both ends included.
            let points = 120 / (Double(step.replacingOccurrences(of: "s", with: "")) ?? 1) + 1
            #expect(result.stdout.components(separatedBy: "\"1\"]").count - 1 == Int(points), "\(result.stdout)")
        } else {
            #expect(result.stderr.contains("--step must be"), "\(result.stderr)")
        }
    }
}
