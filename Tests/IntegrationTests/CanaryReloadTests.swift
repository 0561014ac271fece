import Foundation
import InfermonCore
import InfermonTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `canaries:` follows SIGHUP: a new rollout is evaluated without a restart; a
/// broken section is refused with its file:line:col and the rollouts in force stay.
@Suite("Canary reload")
struct CanaryReloadTests {
    static func config(store: String, rollout: String, metrics: [String] = ["errors"]) -> String {
        """
        storage:
          path: \(store)
        sources: []
        canaries:
          interval: 200ms
          rollouts:
            - name: \(rollout)
              baseline: {model_version: A}
              candidate: {model_version: B}
              metrics:
        \(metrics.map { "        - \($0)" }.joined(separator: "\n"))
        """
    }

    /// The newest sample time of the rollout's verdict series, from the PromQL API.
    static func lastEvaluation(_ daemon: DaemonProcess, _ canary: String) async throws -> Double? {
        let query = "timestamp(infermon_canary_verdict{canary=\"\(canary)\",verdict=\"hold\"})"
        let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
        let answer = try await HTTP.request(.get, daemon.baseURL + "/api/v1/query?query=" + encoded)
        guard let object = try? JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any],
            let data = object["data"] as? [String: Any], let result = data["result"] as? [[String: Any]],
            let value = result.first?["value"] as? [Any], value.count == 2, let text = value[1] as? String
        else { return nil }
        return Double(text)
    }

    @Test func aReloadSwapsTheRolloutsAndABrokenSectionKeepsThem() async throws {
        let directory = try TemporaryDirectory()
        let store = directory.file("store.db")
        let daemon = try await DaemonProcess(
            config: Self.config(store: store, rollout: "first"), directory: directory.path)
        defer { daemon.discard() }
        #expect(
            try await waitUntil(timeoutSeconds: 20, pollMillis: 100) {
                try await Self.lastEvaluation(daemon, "first") != nil
            },
            "\(daemon.log.suffix(1500))")

        func rewrite(_ text: String) throws {
            TestFiles.remove(daemon.configPath)
            try TestFiles.append(text + "\nserver:\n  listen: 127.0.0.1:0\n", to: daemon.configPath)
        }
        // A new rollout, with the hallucination metric: evaluated after SIGHUP.
        try rewrite(Self.config(store: store, rollout: "second", metrics: ["errors", "hallucination"]))
        daemon.process.signal(SIGHUP)
        #expect(
            try await waitUntil(timeoutSeconds: 20, pollMillis: 100) {
                try await Self.lastEvaluation(daemon, "second") != nil
            },
            "\(daemon.log.suffix(1500))")
        #expect(!daemon.log.contains("reload failed"), "\(daemon.log.suffix(1500))")

        // A broken section: refused with the position of the bad metric; "second" goes on.
        try rewrite(Self.config(store: store, rollout: "third", metrics: ["errors", "nonsense"]))
        daemon.process.signal(SIGHUP)
        #expect(try await waitUntil(timeoutSeconds: 20) { daemon.log.contains("reload failed") })
        // Line 12: the `nonsense` item.
        #expect(
            daemon.log.contains("\(daemon.configPath):12:") && daemon.log.contains("nonsense"),
            "\(daemon.log.suffix(1500))")
        let before = try await Self.lastEvaluation(daemon, "second") ?? 0
        #expect(
            try await waitUntil(timeoutSeconds: 20, pollMillis: 100) {
                (try await Self.lastEvaluation(daemon, "second") ?? 0) > before
            }, "the rollout in force is still evaluated")
        #expect(try await Self.lastEvaluation(daemon, "third") == nil, "the refused rollout never ran")
        #expect(try await daemon.stop() == 0)
    }
}
