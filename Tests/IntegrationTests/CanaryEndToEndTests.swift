import Foundation
import InfermonCore
import InfermonTesting
import Testing

/// The demo's canary scenario through the real binaries: `infermon demo --canary`
/// writes traffic in which a tenth of gpt-4o-mini's requests go to a slower,
/// failing candidate, the daemon evaluates the configured rollout and its rule
/// pages a webhook, and `infermon canary --watch` says rollback in the terminal,
/// exits 2 and posts its report.
@Suite("Canary end to end")
struct CanaryEndToEndTests {
    static let rulesFile = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("rules/canary.rules.yaml").path

    @Test func thePlantedRegressionIsRolledBackLiveAndAsAWebhook() async throws {
        let directory = try TemporaryDirectory()
        let receiver = try await RecordingReceiver.start()
        let config = directory.file("infermon.yaml")
        try TestFiles.append(
            """
            storage:
              path: \(directory.file("store.db"))
            server:
              listen: 127.0.0.1:0
            sources:
              - name: demo
                paths: ["\(directory.file("logs"))/*.jsonl"]
                poll_interval: 20ms
            rule_files: ["\(Self.rulesFile)"]
            evaluation_interval: 1s
            canaries:
              interval: 1s
              rollouts:
                - name: demo-canary
                  baseline: {model_version: "2024-07-18"}
                  candidate: {model_version: "2025-01-canary"}
                  match: {model: gpt-4o-mini}
                  traffic_share: 0.1
            notifications:
              route:
                receiver: hook
                group_by: [canary]
                group_wait: 0s
                group_interval: 1s
                repeat_interval: 1h
              receivers:
                - name: hook
                  webhook_configs:
                    - url: \(receiver.url("/alerts"))
                      timeout: 2s
            log:
              level: info
            """, to: config)
        let demo = try ChildProcess(
            executable: ChildProcess.infermonBinary(),
            arguments: [
                "demo", "--canary", "--config", config, "--file", directory.file("logs/demo.jsonl"), "--history", "1h",
                "--speed", "3600", "--rate", "10", "--seed", "7",
            ], outputPrefix: directory.file("demo"))
        defer { demo.discard() }
        let ready = try await waitUntil(timeoutSeconds: 60) {
            !demo.isRunning || demo.standardError().contains("infermon ready")
        }
        #expect(ready && demo.isRunning, "\(demo.standardError().suffix(2000))")

        let watch = try await runCommand(
            ChildProcess.infermonBinary(),
            [
                "canary", "demo-canary", "--config", config, "--watch", "--interval", "1s", "--timeout", "90s",
                "--webhook", receiver.url("/canary"),
            ], directory: directory.path, name: "watch")
        #expect(watch.status == 2, "stdout: \(watch.stdout)\nstderr: \(watch.stderr)")
        #expect(watch.stdout.contains("demo-canary: ROLLBACK"), "\(watch.stdout)")
        #expect(watch.stdout.contains("worse"), "\(watch.stdout)")

        // The daemon's rule, through notification: an Alertmanager-style webhook naming the rollout.
        let alerted = try await waitUntil(timeoutSeconds: 60) {
            receiver.requests.contains { $0.uri == "/alerts" && $0.bodyText.contains("CanaryRollback") }
        }
        #expect(alerted, "no CanaryRollback webhook; daemon log: \(demo.standardError().suffix(3000))")
        let alert = receiver.requests.first { $0.uri == "/alerts" && $0.bodyText.contains("CanaryRollback") }
        #expect(alert?.bodyText.contains("demo-canary") == true)
        // The command's own webhook: its JSON report.
        let report = receiver.requests.first { $0.uri == "/canary" }
        let object = try report.flatMap { try JSONSerialization.jsonObject(with: Data($0.body)) as? [String: Any] }
        #expect(object?["verdict"] as? String == "rollback", "\(report?.bodyText ?? "no /canary request")")

        // The one-shot JSON report agrees, and its exit status is 2.
        let json = try await runCommand(
            ChildProcess.infermonBinary(), ["canary", "demo-canary", "--config", config, "--format", "json"],
            directory: directory.path, name: "json")
        #expect(json.status == 2, "\(json.stderr)")
        #expect(json.stdout.contains("\"verdict\" : \"rollback\""), "\(json.stdout)")
        demo.signal(SIGTERM)
        _ = try await demo.wait()
        try await receiver.stop()
    }
}
