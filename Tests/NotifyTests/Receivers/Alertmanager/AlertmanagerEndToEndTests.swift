import Foundation
import InfermonCore
import InfermonTesting
import Notify
import Testing

/// Pushes alerts into a real Alertmanager (Debian's prometheus-alertmanager)
/// on 127.0.0.1 and reads them back from its API. Skipped, with the reason
/// printed, when the binary is not installed. The cluster of two is
/// IntegrationTests' AlertmanagerHATests.
@Suite struct AlertmanagerEndToEndTests {
    @Test(.enabled(if: AlertmanagerProcess.binary != nil, .init(rawValue: AlertmanagerProcess.notInstalled)))
    func alertsPushedAreListedAndResolvesEndThem() async throws {
        let directory = try TemporaryDirectory()
        let alertmanager = try await AlertmanagerProcess(
            config: "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n", directory: directory.path)
        // Not waited for: a defer cannot await (SIGKILL, reaped in the background).
        defer { alertmanager.discard() }
        let base = alertmanager.baseURL

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
            let listed = try await getAlerts(alertmanager) { alerts in
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
            let after = try await getAlerts(alertmanager) { alerts in
                !alerts.contains { ($0["labels"] as? [String: String])?["alertname"] == "InfermonE2E" }
            }
            #expect(!after.contains { ($0["labels"] as? [String: String])?["alertname"] == "InfermonE2E" })
        } catch {
            try? await transport.shutdown()
            throw error
        }
        try await transport.shutdown()
    }

    /// Alertmanager takes a posted alert in asynchronously: ask until `done` (bounded, 10 s).
    private func getAlerts(_ alertmanager: AlertmanagerProcess, until done: ([[String: Any]]) -> Bool) async throws
        -> [[String: Any]]
    {
        var alerts = try await alertmanager.alerts()
        _ = try await waitUntil(timeoutSeconds: 10, pollMillis: 100) {
            alerts = try await alertmanager.alerts()
            return done(alerts)
        }
        return alerts
    }
}
