import Foundation
import InfermonCore
import InfermonTesting
import Store
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Alerts through the real daemon while the webhook receiver is down and the
/// daemon is killed with SIGKILL at the worst moments: once the receiver is
/// back, every firing and every resolved notification arrives, a firing one
/// is never sent twice under different ids, and any duplicate carries the
/// same `webhook-id`.
@Suite("Alert durability end to end", .serialized)
struct AlertDurabilityTests {
    @Test func sigkillWhileFiringWithTheReceiverDownLosesNothing() async throws {
        let directory = try TemporaryDirectory()
        try makeDirectoryForTest(directory.file("logs"))
        // A port nobody listens on: the receiver is down until the end.
        let port = try await RecordingReceiver.reservablePort()
        let daemon = AlertingDaemon(directory: directory, webhookPort: port)
        try daemon.writeFiles()

        // a: fires, its notification is queued, the daemon dies; it resolves while no daemon runs.
        var child = try await daemon.start("a")
        try daemon.logRequest(model: "a", latencyMillis: 9000)
        #expect(
            try await daemon.waitForSQL(
                "SELECT count(*) FROM notification_outbox WHERE group_key LIKE '%model=\"a\"%'", atLeast: 1))
        child.signal(SIGKILL)
        #expect(try await child.wait() == 128 + SIGKILL)
        try daemon.logRequest(model: "a", latencyMillis: 100)

        // b: killed as soon as its firing state is stored, whether or not notification got it yet.
        child = try await daemon.start("b")
        try daemon.logRequest(model: "b", latencyMillis: 9000)
        #expect(
            try await daemon.waitForSQL(
                "SELECT count(*) FROM alert_states WHERE labels LIKE '%model=\"b\"%' AND state = 'firing'", atLeast: 1))
        child.signal(SIGKILL)
        _ = try await child.wait()
        try daemon.logRequest(model: "b", latencyMillis: 100)

        // c: fires; the daemon dies and comes back while it still fires (no second firing
        // notification), then it resolves while that daemon runs, and that one dies too.
        child = try await daemon.start("c")
        try daemon.logRequest(model: "c", latencyMillis: 9000)
        #expect(
            try await daemon.waitForSQL(
                "SELECT count(*) FROM notification_outbox WHERE group_key LIKE '%model=\"c\"%'", atLeast: 1))
        child.signal(SIGKILL)
        _ = try await child.wait()
        child = try await daemon.start("c-again")
        // After the restart a and b resolve (they were resolved while down), c is still firing.
        #expect(try await daemon.waitForSQL("SELECT count(*) FROM alert_states WHERE state = 'inactive'", atLeast: 2))
        try daemon.logRequest(model: "c", latencyMillis: 100)
        #expect(try await daemon.waitForSQL("SELECT count(*) FROM alert_states WHERE state = 'inactive'", atLeast: 3))
        #expect(try await daemon.waitForSQL("SELECT count(DISTINCT group_key) FROM notification_log", atLeast: 3))
        // Give notification a moment to queue c's resolve, then kill again.
        #expect(
            try await daemon.waitForSQL(
                "SELECT count(*) FROM notification_outbox WHERE group_key LIKE '%model=\"c\"%'", atLeast: 2))
        child.signal(SIGKILL)
        _ = try await child.wait()

        // The receiver comes back, and so does the daemon.
        let receiver: RecordingReceiver
        do {
            receiver = try await RecordingReceiver.start(port: port)
        } catch {
            // Say who holds the port, so a collision can be traced.
            let sockets = try? await runCommand("/usr/bin/ss", ["-tuanp"], directory: directory.path, name: "ss")
            let holders = sockets?.stdout.split(separator: "\n").filter { $0.contains(":\(port)") } ?? []
            Issue.record("port \(port) is taken: \(holders)")
            throw error
        }
        defer { Task { try? await receiver.stop() } }
        child = try await daemon.start("final")
        var notifications: [Notification] = []
        let complete = try await waitUntil(timeoutSeconds: 60) {
            notifications = receiver.requests.compactMap(Notification.init)
            return ["a", "b", "c"].allSatisfy { model in
                notifications.contains { $0.model == model && $0.status == "resolved" }
            }
        }
        // A message the receiver has recorded leaves the outbox only once the daemon
        // reads the answer; SIGTERM before that keeps it for a later retry, so wait.
        #expect(try await daemon.waitForSQL("SELECT count(*) FROM notification_outbox", atMost: 0))
        child.signal(SIGTERM)
        #expect(try await child.wait() == 0, "clean shutdown: \(child.standardError().suffix(2000))")
        #expect(complete, "received: \(notifications.map { "\($0.model) \($0.status) \($0.id)" })")

        // Duplicates only as retries of one message: one id, one body.
        for (id, copies) in Dictionary(grouping: notifications, by: \.id) {
            #expect(Set(copies.map(\.body)).count == 1, "webhook-id \(id) carried different bodies")
        }
        for model in ["a", "b", "c"] {
            let mine = notifications.filter { $0.model == model }
            let firing = Set(mine.filter { $0.status == "firing" }.map(\.id))
            let resolved = Set(mine.filter { $0.status == "resolved" }.map(\.id))
            // b died between its stored firing state and its queued notification, or
            // just after: either it was told firing, or its resolve tells it all.
            let firingTold = model == "b" ? 0...1 : 1...1
            #expect(firingTold.contains(firing.count), "\(model): one firing notification, got \(firing.count)")
            #expect(resolved.count == 1, "\(model): one resolved notification, got \(resolved.count)")
            // Delivered in order: the resolve comes after the firing.
            let order = mine.map(\.status)
            if let firstFiring = order.firstIndex(of: "firing"), let lastResolved = order.lastIndex(of: "resolved") {
                #expect(firstFiring < lastResolved, "\(model): \(order)")
            }
        }
        // Nothing is left waiting.
        let left = try ReadOnlySQL(path: directory.file("store.db")).query("SELECT count(*) FROM notification_outbox")
        #expect(left.rows[0] == [.integer(0)])
    }
}

/// One webhook request, read as Alertmanager's webhook payload.
struct Notification {
    var id: String
    var status: String
    var model: String
    var body: String

    init?(_ request: RecordingReceiver.Request) {
        guard let id = request.header("webhook-id"),
            let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
            let status = object["status"] as? String, let labels = object["groupLabels"] as? [String: String],
            let model = labels["model"]
        else { return nil }
        self.id = id
        self.status = status
        self.model = model
        self.body = request.bodyText
    }
}

/// A daemon configuration for alert tests: one log source, rules evaluated every
/// second, and a webhook receiver grouped by model with group_wait 0.
struct AlertingDaemon {
    let directory: TemporaryDirectory
    let webhookPort: Int

    var config: String { directory.file("infermon.yaml") }

    func writeFiles() throws {
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
                  - alert: Always
                    expr: vector(1)
                    for: 1h
            """, to: directory.file("rules.yaml"))
        try TestFiles.append(
            """
            storage:
              path: \(directory.file("store.db"))
            server:
              listen: 127.0.0.1:0
            sources:
              - name: app
                paths: ["\(directory.file("logs"))/*.jsonl"]
                poll_interval: 20ms
            rule_files: [rules.yaml]
            evaluation_interval: 1s
            notifications:
              route:
                receiver: hook
                group_by: [model]
                group_wait: 0s
                group_interval: 1s
                repeat_interval: 1h
              receivers:
                - name: hook
                  webhook_configs:
                    - url: http://127.0.0.1:\(webhookPort)/hook
                      timeout: 2s
              outbox:
                initial_backoff: 100ms
                max_backoff: 500ms
            log:
              level: info
            """, to: config)
    }

    /// Starts `infermon serve` and waits until it is ready.
    func start(_ name: String) async throws -> ChildProcess {
        let child = try ChildProcess(
            executable: ChildProcess.infermonBinary(), arguments: ["serve", "--config", config],
            outputPrefix: directory.file("serve-\(name)"))
        let ready = try await waitUntil(timeoutSeconds: 30) { child.standardError().contains("infermon ready") }
        #expect(ready, "daemon \(name) did not become ready: \(child.standardError().suffix(2000))")
        return child
    }

    /// Appends one request to the log, stamped now.
    func logRequest(model: String, latencyMillis: Int) throws {
        let now = SystemWallClock().now()
        try TestFiles.append(
            #"{"timestamp":\#(now),"request_id":"\#(model)-\#(now)","model":"\#(model)","latency_ms":\#(latencyMillis)}"#
                + "\n", to: directory.file("logs/app.jsonl"))
    }

    /// Polls the store until `sql` (a count) reaches `atLeast`.
    func waitForSQL(_ sql: String, atLeast: Int64, timeoutSeconds: Double = 30) async throws -> Bool {
        try await waitForSQL(sql, timeoutSeconds: timeoutSeconds) { $0 >= atLeast }
    }

    func waitForSQL(_ sql: String, atMost: Int64, timeoutSeconds: Double = 30) async throws -> Bool {
        try await waitForSQL(sql, timeoutSeconds: timeoutSeconds) { $0 <= atMost }
    }

    private func waitForSQL(_ sql: String, timeoutSeconds: Double, until done: (Int64) -> Bool) async throws
        -> Bool
    {
        try await waitUntil(timeoutSeconds: timeoutSeconds) {
            guard let reader = try? ReadOnlySQL(path: directory.file("store.db")),
                let value = try? reader.query(sql).rows.first?.first, case .integer(let count) = value
            else { return false }
            return done(count)
        }
    }
}
