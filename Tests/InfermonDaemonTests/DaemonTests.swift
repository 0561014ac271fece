import Foundation
import InfermonConfig
import InfermonCore
import InfermonDaemon
import InfermonTesting
import Server
import Store
import Testing

/// The daemon built from a configuration file and run in this process, as
/// `infermon serve` runs it, without spawning a binary.
@Suite struct DaemonTests {
    @Test func startsFromAConfigurationFileBecomesReadyAndStoresWhatItsSourceWrites() async throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.file("logs"), withIntermediateDirectories: true)
        let line = #"{"ts":\#(SystemWallClock().now()),"model":"m","latency":0.25}"# + "\n"
        try line.write(toFile: directory.file("logs/app.jsonl"), atomically: true, encoding: .utf8)
        let configPath = directory.file("infermon.yaml")
        try """
        storage:
          path: \(directory.file("store.db"))
        server:
          listen: 127.0.0.1:0
        sources:
          - name: app
            paths: [\(directory.file("logs/*.jsonl"))]
            poll_interval: 50ms
        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let config = try ConfigurationLoader.load(path: configPath)

        let daemon = try Daemon.make(config: config, configPath: configPath, environment: [:])
        let running = Task { try await daemon.run() }
        defer { running.cancel() }
        // Bounded only so a daemon that never gets ready fails instead of hanging: under
        // the whole suite at once (the clock-shifted CI runs) it once took over a minute.
        let ready = try await Self.within(seconds: 180) { daemon.readiness.current.ready }
        #expect(ready, "not ready: \(daemon.readiness.current.reason); \(daemon.readiness.components)")
        let stored = try await Self.within(seconds: 60) {
            let result = try ReadOnlySQL(path: daemon.store.path).query("SELECT count(*) FROM events")
            return result.rows.first?.first == .integer(1)
        }
        #expect(stored)
        // The source reports itself up on its next health pass, which may come after the store.
        let sourceUp = try await Self.within(seconds: 60) {
            daemon.readiness.components.contains { $0.component == "source:app" && $0.up }
        }
        #expect(sourceUp, "\(daemon.readiness.components)")

        running.cancel()
        _ = try? await running.value
        #expect(!daemon.readiness.current.ready)
    }

    /// Polls `condition` every 20 ms until it holds or `seconds` pass.
    static func within(seconds: Int, _ condition: () throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try condition()
    }
}
