import Foundation
import InfermonCore
import InfermonTesting
import Notify
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Pushes alerts into a real Alertmanager (Debian's prometheus-alertmanager)
/// on 127.0.0.1 and reads them back from its API. Skipped, with the reason
/// printed, when the binary is not installed.
@Suite struct AlertmanagerEndToEndTests {
    static let binary = ["/usr/bin/prometheus-alertmanager", "/usr/local/bin/alertmanager"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    @Test(
        .enabled(
            if: binary != nil, "prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)"))
    func alertsPushedAreListedAndResolvesEndThem() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "infermon-am-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = directory.appendingPathComponent("alertmanager.yml")
        try "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n".write(
            to: config, atomically: true, encoding: .utf8)
        let port = try freePort()
        let process = try ChildProcess(
            executable: Self.binary!,
            arguments: [
                "--config.file=\(config.path)", "--storage.path=\(directory.path)",
                "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=",
            ], outputPrefix: directory.appendingPathComponent("alertmanager").path)
        // Not waited for: a defer cannot await (SIGKILL, reaped in the background).
        defer { process.discard() }
        let base = "http://127.0.0.1:\(port)"
        try await waitUntilReady(base)

        // Real time here: Alertmanager compares endsAt with its own clock.
        let clock = SystemWallClock()
        let transport = WebhookTransport(clock: clock)
        do {
            let notifier = try IntegrationConfig.alertmanager(AlertmanagerConfig(endpoint: EndpointConfig(url: base)))
                .makeNotifier(receiver: "am", index: 0, transport: transport)
            let now = clock.now()
            let firing = Alert(
                labels: Labels(["alertname": "InfermonE2E", "model": "gpt-4o"]), annotations: ["summary": "end to end"],
                startsAt: now - 60_000, endsAt: now + 600_000, generatorURL: "http://infermon.test/rules")
            let message = { (alerts: [Alert]) throws -> OutboxMessage in
                let group = NotificationGroup(
                    receiver: "am", groupKey: "{}:{}", groupLabels: Labels(), alerts: alerts, now: clock.now())
                return OutboxMessage(
                    id: "msg_e2e", integration: notifier.integration, groupKey: "{}:{}",
                    body: try notifier.render(group), createdAt: now, expiresAt: now + 60_000)
            }
            #expect(await notifier.notify(try message([firing])) == .delivered)
            let listed = try await getAlerts(base) { alerts in
                alerts.contains { ($0["labels"] as? [String: String])?["alertname"] == "InfermonE2E" }
            }
            let match = try #require(
                listed.first { ($0["labels"] as? [String: String])?["alertname"] == "InfermonE2E" })
            #expect((match["labels"] as? [String: String])?["model"] == "gpt-4o")
            #expect((match["annotations"] as? [String: String])?["summary"] == "end to end")
            #expect((match["status"] as? [String: Any])?["state"] as? String == "active")

            var resolved = firing
            resolved.endsAt = clock.now() - 1_000
            #expect(await notifier.notify(try message([resolved])) == .delivered)
            let after = try await getAlerts(base) { alerts in
                !alerts.contains { ($0["labels"] as? [String: String])?["alertname"] == "InfermonE2E" }
            }
            #expect(!after.contains { ($0["labels"] as? [String: String])?["alertname"] == "InfermonE2E" })
        } catch {
            try? await transport.shutdown()
            throw error
        }
        try await transport.shutdown()
    }

    private func getAlerts(_ base: String) async throws -> [[String: Any]] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: base + "/api/v2/alerts")!)
        return try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
    }

    /// Alertmanager takes a posted alert in asynchronously: ask until `done` (bounded, 10 s).
    private func getAlerts(_ base: String, until done: ([[String: Any]]) -> Bool) async throws -> [[String: Any]] {
        var alerts = try await getAlerts(base)
        for _ in 0..<100 where !done(alerts) {
            try await Task.sleep(for: .milliseconds(100))
            alerts = try await getAlerts(base)
        }
        return alerts
    }

    /// Polls readiness of the subprocess (bounded: 100 tries 100 ms apart).
    private func waitUntilReady(_ base: String) async throws {
        for _ in 0..<100 {
            let answer = try? await URLSession.shared.data(from: URL(string: base + "/-/ready")!)
            if let response = answer?.1 as? HTTPURLResponse, response.statusCode == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw InfermonError.timeout("alertmanager did not become ready")
    }

    private func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(socket, pointer, length) == 0 && getsockname(socket, pointer, &length) == 0
            }
        }
        guard bound else { throw InfermonError.io("cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
