import Foundation
import InfermonCore
import InfermonTesting
import Store
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The highly available pair as Prometheus runs it, through the real thing:
/// two `infermon serve` processes with the same rules, each tailing its own
/// copy of the same log and differing only in `global.external_labels.replica`,
/// both sending every alert to both nodes of a real two-node Alertmanager 0.25
/// cluster gossiping on loopback, which notifies a webhook receiver here.
///
/// Exactly one firing notification per alert group while both run; none lost
/// or doubled when one daemon is SIGKILLed mid-incident (the survivor's
/// re-sends keep the alert's `endsAt` ahead, so Alertmanager does not resolve
/// it when the dead one's copy expires); one resolved notification per group
/// once the condition clears. Alertmanager compares `endsAt` with its own Go
/// clock, so scripts/test-clock-shift.sh skips this suite.
@Suite("HA pair behind an Alertmanager cluster", .serialized)
struct AlertmanagerHATests {
    /// How long a cluster node waits, per position, for its peer to send first.
    /// Well below group_interval (3s), as Alertmanager's defaults are (15s and
    /// 5m): a node that flushed just before a change and then waited would find
    /// its peer's news of that change in the log if its peer flushed within the
    /// wait, and tell its own older view again.
    static let peerTimeout = Duration.seconds(1)
    /// Alertmanager's group_interval here.
    static let groupInterval = Duration.seconds(3)
    /// Longer than a group_interval plus the later node's wait: a second
    /// notification for a group (the peer's, or a second alert where there
    /// should be one) would arrive within it.
    static let quietPeriod = groupInterval + peerTimeout + .seconds(1)
    /// How long each alert copy stays valid: 4 × alert_resend_delay.
    static let validity: Int64 = 2_000

    @Test(.enabled(if: AlertmanagerProcess.binary != nil, .init(rawValue: AlertmanagerProcess.notInstalled)))
    func oneNotificationPerGroupWhileBothRunAfterAKillAndOnResolve() async throws {
        let directory = try TemporaryDirectory()
        let hook = try await RecordingReceiver.start()
        defer { Task { try? await hook.stop() } }

        // The Alertmanager cluster: each node knows the other.
        let gossip = [try await RecordingReceiver.reservablePort(), try await RecordingReceiver.reservablePort()]
        let config = Self.alertmanagerConfig(hook: hook.url("/hook"))
        let am1 = try await AlertmanagerProcess(
            config: config, directory: directory.path, name: "am1",
            cluster: .init(port: gossip[0], peers: [gossip[1]], peerTimeout: Self.peerTimeout))
        defer { am1.discard() }
        let am2 = try await AlertmanagerProcess(
            config: config, directory: directory.path, name: "am2",
            cluster: .init(port: gossip[1], peers: [gossip[0]], peerTimeout: Self.peerTimeout))
        defer { am2.discard() }
        for node in [am1, am2] {
            let joined = try await waitUntil(timeoutSeconds: 30, pollMillis: 100) { await Self.peers(of: node) == 2 }
            #expect(joined, "\(node.baseURL) did not see its peer: \(node.log.suffix(1500))")
        }

        // The two replicas.
        var replicas: [String: Replica] = [:]
        for name in ["a", "b"] {
            replicas[name] = try await Replica.start(name, directory: directory, alertmanagers: [am1, am2])
        }
        defer { for replica in replicas.values { replica.daemon.discard() } }
        let a = try #require(replicas["a"])
        let b = try #require(replicas["b"])

        // Incident: two models slow, seen by both replicas.
        for model in ["m1", "m2"] { try Replica.logRequest(model: model, latencyMillis: 9000, to: [a, b]) }
        let firstFiring = try await waitUntil(timeoutSeconds: 30) {
            Set(Self.notifications(hook).filter { $0.status == "firing" }.map(\.model)) == ["m1", "m2"]
        }
        #expect(firstFiring, "firing notifications: \(Self.notifications(hook))")
        // Both replicas handed their alerts to both Alertmanagers.
        for replica in [a, b] {
            #expect(
                try await replica.waitForSQL("SELECT count(DISTINCT integration) FROM notification_log", atLeast: 2),
                "replica \(replica.name) did not send to both Alertmanagers")
        }
        // A duplicate (the later node's, or a second alert in the group) would come now.
        try await Task.sleep(for: Self.quietPeriod)
        for model in ["m1", "m2"] {
            #expect(Self.count(hook, model: model, status: "firing") == 1, "\(model) while both run")
        }

        // Mid-incident, one replica dies; a third model goes slow after that.
        try await a.daemon.kill()
        let killedAt = SystemWallClock().now()
        try Replica.logRequest(model: "m3", latencyMillis: 9000, to: [b])
        // The alerts outlive the dead replica's last copy: once its endsAt has passed,
        // both nodes still hold them as active, with an endsAt only the survivor's
        // later copies can have set.
        let deadCopiesExpired = killedAt + Self.validity + 500
        for node in [am1, am2] {
            let refreshed = try await waitUntil(timeoutSeconds: 20, pollMillis: 100) {
                guard SystemWallClock().now() > deadCopiesExpired else { return false }
                let alerts = (try? await node.alerts()) ?? []
                return ["m1", "m2"].allSatisfy { model in
                    alerts.contains { alert in
                        Self.model(of: alert) == model && Self.state(of: alert) == "active"
                            && Self.endsAt(of: alert).map { $0 > deadCopiesExpired } == true
                    }
                }
            }
            let held = (try? await node.alerts()) ?? []
            #expect(refreshed, "\(node.baseURL): \(held)")
        }
        let thirdFiring = try await waitUntil(timeoutSeconds: 30) {
            Self.count(hook, model: "m3", status: "firing") >= 1
        }
        #expect(thirdFiring, "m3 firing after the kill: \(Self.notifications(hook))")
        // Again the later node's turn.
        try await Task.sleep(for: Self.quietPeriod)
        for model in ["m1", "m2", "m3"] {
            #expect(Self.count(hook, model: model, status: "firing") == 1, "\(model) after the kill")
        }
        #expect(Self.notifications(hook).allSatisfy { $0.status == "firing" }, "nothing resolved while it still fires")

        // The condition clears.
        for model in ["m1", "m2", "m3"] { try Replica.logRequest(model: model, latencyMillis: 100, to: [b]) }
        let resolved = try await waitUntil(timeoutSeconds: 30) {
            Set(Self.notifications(hook).filter { $0.status == "resolved" }.map(\.model)) == ["m1", "m2", "m3"]
        }
        #expect(resolved, "resolved notifications: \(Self.notifications(hook))")
        try await Task.sleep(for: Self.quietPeriod)

        let received = Self.notifications(hook)
        for model in ["m1", "m2", "m3"] {
            #expect(Self.count(hook, model: model, status: "firing") == 1, "\(model): \(received)")
            #expect(Self.count(hook, model: model, status: "resolved") == 1, "\(model): \(received)")
        }
        // The replica label reached neither the grouping nor the alerts.
        #expect(received.allSatisfy { !$0.body.contains("replica") }, "\(received.map(\.body))")
        #expect(received.allSatisfy { $0.body.contains("\"cluster\":\"ha-test\"") }, "\(received.map(\.body))")
        #expect(try await b.daemon.stop() == 0, "clean shutdown: \(b.daemon.log.suffix(2000))")
    }

    static func alertmanagerConfig(hook: String) -> String {
        """
        route:
          receiver: hook
          group_by: [alertname, model]
          group_wait: 1s
          group_interval: 3s
          repeat_interval: 1h
        receivers:
          - name: hook
            webhook_configs:
              - url: \(hook)
                send_resolved: true
        """
    }

    /// The number of cluster members a node sees (`/api/v2/status`).
    static func peers(of node: AlertmanagerProcess) async -> Int {
        guard let answer = try? await HTTP.request(.get, node.baseURL + "/api/v2/status"),
            let object = try? JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any],
            let cluster = object["cluster"] as? [String: Any], let peers = cluster["peers"] as? [Any]
        else { return 0 }
        return peers.count
    }

    /// One webhook request from Alertmanager: its group's model and status.
    struct Received: CustomStringConvertible {
        var model: String
        var status: String
        var body: String
        var description: String { "\(model) \(status)" }
    }

    static func notifications(_ hook: RecordingReceiver) -> [Received] {
        hook.requests.compactMap { request in
            guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
                let status = object["status"] as? String,
                let model = (object["groupLabels"] as? [String: String])?["model"]
            else { return nil }
            return Received(model: model, status: status, body: request.bodyText)
        }
    }

    static func count(_ hook: RecordingReceiver, model: String, status: String) -> Int {
        notifications(hook).filter { $0.model == model && $0.status == status }.count
    }

    static func model(of alert: [String: Any]) -> String? { (alert["labels"] as? [String: String])?["model"] }
    static func state(of alert: [String: Any]) -> String? { (alert["status"] as? [String: Any])?["state"] as? String }
    static func endsAt(of alert: [String: Any]) -> Timestamp? {
        (alert["endsAt"] as? String).flatMap(TimeParsing.rfc3339Millis)
    }
}

/// One daemon of the pair: its own directory, store and copy of the log.
struct Replica {
    let name: String
    let directory: String
    let daemon: DaemonProcess

    static func start(_ name: String, directory: TemporaryDirectory, alertmanagers: [AlertmanagerProcess])
        async throws -> Replica
    {
        let home = directory.file(name)
        try makeDirectoryForTest(home)
        try makeDirectoryForTest(home + "/logs")
        try TestFiles.append(
            """
            groups:
              - name: latency
                rules:
                  - alert: SlowRequest
                    expr: infermon_request_duration_seconds > 5
                    labels: {severity: page}
                    annotations:
                      summary: "{{ $labels.model }} took {{ $value | humanizeDuration }}"
            """, to: home + "/rules.yaml")
        let integrations = alertmanagers.map { "        - url: \($0.baseURL)\n          resend_interval: 500ms\n" }
        let config = """
            global:
              external_labels: {cluster: ha-test, replica: "${INFERMON_REPLICA}"}
            storage:
              path: \(home)/store.db
            sources:
              - name: app
                paths: ["\(home)/logs/*.jsonl"]
                poll_interval: 20ms
            rule_files: [rules.yaml]
            evaluation_interval: 500ms
            alert_resend_delay: 500ms
            notifications:
              outbox:
                initial_backoff: 100ms
                max_backoff: 500ms
              route:
                receiver: am
                group_by: ['...']
                group_wait: 0s
                group_interval: 500ms
                repeat_interval: 1h
              receivers:
                - name: am
                  alertmanager_configs:
            \(integrations.joined())
            """
        let daemon = try await DaemonProcess(
            config: config, directory: home, name: "infermon", environment: ["INFERMON_REPLICA": name])
        return Replica(name: name, directory: home, daemon: daemon)
    }

    /// Appends the same request, stamped now, to each replica's own log.
    static func logRequest(model: String, latencyMillis: Int, to replicas: [Replica]) throws {
        let now = SystemWallClock().now()
        let line =
            #"{"timestamp":\#(now),"request_id":"\#(model)-\#(now)","model":"\#(model)","latency_ms":\#(latencyMillis)}"#
            + "\n"
        for replica in replicas { try TestFiles.append(line, to: replica.directory + "/logs/app.jsonl") }
    }

    /// Polls the replica's store until `sql` (a count) reaches `atLeast`.
    func waitForSQL(_ sql: String, atLeast: Int64, timeoutSeconds: Double = 30) async throws -> Bool {
        try await waitUntil(timeoutSeconds: timeoutSeconds) {
            guard let reader = try? ReadOnlySQL(path: directory + "/store.db"),
                let value = try? reader.query(sql).rows.first?.first, case .integer(let count) = value
            else { return false }
            return count >= atLeast
        }
    }
}
