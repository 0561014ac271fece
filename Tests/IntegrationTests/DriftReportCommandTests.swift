import InfermonCore
import InfermonTesting
import Testing

/// `infermon drift report` on a model with no events says so and fails, instead
/// of printing an empty table that reads as "no drift".
@Suite("infermon drift report")
struct DriftReportCommandTests {
    @Test func anUnknownModelIsAnErrorAndAKnownOneReports() async throws {
        let directory = try TemporaryDirectory()
        let now = SystemWallClock().now()
        let lines = (0..<400).map { index in
            #"{"timestamp":\#(now - Int64(index) * 60_000),"request_id":"r\#(index)","model":"known","latency_ms":\#(100 + index % 50),"prompt_tokens":\#(10 + index % 7)}"#
        }
        try TestFiles.append(lines.joined(separator: "\n") + "\n", to: directory.file("events.jsonl"))
        try TestFiles.append("storage:\n  path: \(directory.file("store.db"))\n", to: directory.file("infermon.yaml"))
        let ingest = try await runCommand(
            ChildProcess.infermonBinary(),
            ["ingest", "--config", directory.file("infermon.yaml"), directory.file("events.jsonl")],
            directory: directory.path, name: "ingest")
        #expect(ingest.status == 0, "\(ingest.stderr)")
        func report(_ model: String) async throws -> (status: Int32, stdout: String, stderr: String) {
            try await runCommand(
                ChildProcess.infermonBinary(),
                [
                    "drift", "report", "--config", directory.file("infermon.yaml"), "--model", model, "--from",
                    "now-3h",
                    "--previous", "3h",
                ], directory: directory.path, name: "report-\(model)")
        }
        let unknown = try await report("nosuch")
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("no events of model \"nosuch\""), "\(unknown.stderr)")
        let known = try await report("known")
        #expect(known.status == 0, "\(known.stderr)")
        #expect(known.stdout.contains("known"), "\(known.stdout)")
    }
}
