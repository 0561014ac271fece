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
}
