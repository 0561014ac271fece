import Foundation
import InfermonCore
import InfermonTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Three real `infermon serve` on one private PostgreSQL 15: each collects its
/// own log, exactly one evaluates and notifies (the evaluator lock's holder).
/// The evaluator is killed with SIGKILL while an incident's notification is
/// being retried against a failing receiver; another daemon takes over within
/// the lease, resumes the outbox and the alert states, and every incident is
/// notified firing once and resolved once (a repeat only as a retry with the
/// same `webhook-id` and body).
@Suite("PostgreSQL evaluator failover end to end", .serialized)
struct PostgresFailoverTests {
    @Test func sigkillOfTheEvaluatorMidIncidentLosesAndDuplicatesNothing() async throws {
        guard PostgresProcess.binDirectory != nil else {
            Issue.record(Comment(rawValue: PostgresProcess.notInstalled))
            return
        }
        let server = try await PostgresProcess(settings: ["fsync": "off"])
        var daemons: [DaemonProcess] = []
        var receiver: RecordingReceiver?
        do {
            let directory = try TemporaryDirectory()
            let recorder = try await RecordingReceiver.start()
            receiver = recorder
            let receiver = recorder
            let cluster = FailoverCluster(directory: directory, server: server, webhook: receiver.url("/hook"))
            try cluster.writeRules()
            for name in FailoverCluster.names {
                daemons.append(try await cluster.start(name))
            }
            // Exactly one evaluates.
            var roles: [Int] = []
            let settled = try await waitUntil(timeoutSeconds: 30, pollMillis: 100) {
                roles = await FailoverCluster.leaders(daemons)
                return roles.count == 1
            }
            #expect(settled, "leaders: \(roles)")
            let leader = roles[0]
            let followers = daemons.indices.filter { $0 != leader }

            // Incident a, logged by a follower: the evaluator sees it in the shared store.
            try cluster.logRequest(daemon: followers[0], model: "a", latencyMillis: 9000)
            #expect(try await waitUntil(timeoutSeconds: 30) { Self.told(receiver, "a", "firing") >= 1 })

            // Incident b while the receiver fails: its notification is retried from the outbox…
            receiver.setBehavior(.fail(503))
            try cluster.logRequest(daemon: followers[1], model: "b", latencyMillis: 9000)
            #expect(try await waitUntil(timeoutSeconds: 30) { Self.told(receiver, "b", "firing") >= 1 })

            // …when the evaluator dies.
            let killedAt = Date()
            try await daemons[leader].kill()
            var newLeader: [Int] = []
            let tookOver = try await waitUntil(timeoutSeconds: 30, pollMillis: 50) {
                newLeader = await FailoverCluster.leaders(followers.map { daemons[$0] })
                return newLeader.count == 1
            }
            let failoverSeconds = Date().timeIntervalSince(killedAt)
            #expect(tookOver, "no daemon took over: \(followers.map { daemons[$0].log.suffix(1500) })")
            #expect(failoverSeconds <= 15, "failover took \(failoverSeconds) s")
            print("postgres failover: \(String(format: "%.2f", failoverSeconds)) s from SIGKILL to a new evaluator")

            // The receiver recovers; the incidents end, a new one comes and goes.
            receiver.setBehavior(.ok)
            let recovered = receiver.requests.count
            let survivor = followers[0]
            try cluster.logRequest(daemon: survivor, model: "a", latencyMillis: 100)
            try cluster.logRequest(daemon: survivor, model: "b", latencyMillis: 100)
            try cluster.logRequest(daemon: followers[1], model: "c", latencyMillis: 9000)
            #expect(try await waitUntil(timeoutSeconds: 30) { Self.told(receiver, "c", "firing") >= 1 })
            try cluster.logRequest(daemon: followers[1], model: "c", latencyMillis: 100)
            let complete = try await waitUntil(timeoutSeconds: 60) {
                ["a", "b", "c"].allSatisfy { Self.told(receiver, $0, "resolved", after: recovered) >= 1 }
                    && Self.told(receiver, "b", "firing", after: recovered) >= 1
            }
            let notifications = receiver.requests.compactMap(Notification.init)
            #expect(complete, "received: \(notifications.map { "\($0.model) \($0.status) \($0.id)" })")

            // None lost, none duplicated: per incident one firing and one resolved message
            // (ids); repeated requests only as retries of one id with one body.
            for (id, copies) in Dictionary(grouping: notifications, by: \.id) {
                #expect(Set(copies.map(\.body)).count == 1, "webhook-id \(id) carried different bodies")
            }
            for model in ["a", "b", "c"] {
                let mine = notifications.filter { $0.model == model }
                let firing = Set(mine.filter { $0.status == "firing" }.map(\.id))
                let resolved = Set(mine.filter { $0.status == "resolved" }.map(\.id))
                #expect(firing.count == 1, "\(model): one firing message, got \(firing)")
                #expect(resolved.count == 1, "\(model): one resolved message, got \(resolved)")
                let order = mine.map(\.status)
                if let firstFiring = order.firstIndex(of: "firing"), let lastResolved = order.lastIndex(of: "resolved")
                {
                    #expect(firstFiring < lastResolved, "\(model): \(order)")
                }
            }
            let ids = Set(notifications.map(\.id))
            print(
                "postgres failover: \(notifications.count) webhook requests, \(ids.count) distinct messages "
                    + "(\(notifications.count - ids.count) retries of the same webhook-id)")
            #expect(ids.count == 6)
        } catch {
            Issue.record(error)
        }
        for daemon in daemons { daemon.discard() }
        try? await receiver?.stop()
        try await server.stop()
    }

    /// Requests recorded for `model` in `status` (from the `after`-th on), answered or not.
    static func told(_ receiver: RecordingReceiver, _ model: String, _ status: String, after: Int = 0) -> Int {
        receiver.requests.dropFirst(after).compactMap(Notification.init).filter {
            $0.model == model && $0.status == status
        }.count
    }
}

/// Three daemon configurations on one database: each tails its own log, named
/// by its `host_name`; rules evaluated every second; one webhook grouped by model.
struct FailoverCluster {
    static let names = ["collector-a", "collector-b", "collector-c"]
    let directory: TemporaryDirectory
    let server: PostgresProcess
    let webhook: String

    func writeRules() throws {
        try TestFiles.append(
            """
            groups:
              - name: latency
                rules:
                  - alert: SlowRequest
                    expr: infermon_request_duration_seconds > 5
                    labels: {severity: page}
            """, to: directory.file("rules.yaml"))
    }

    func config(_ name: String) -> String {
        """
        storage:
          backend: postgres
          postgres:
            url: \(server.url)
            password_file: \(server.passwordFile)
            host_name: \(name)
        sources:
          - name: app
            paths: ["\(directory.file("logs-\(name)"))/*.jsonl"]
            poll_interval: 20ms
        rule_files: [\(directory.file("rules.yaml"))]
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
                - url: \(webhook)
                  timeout: 2s
          outbox:
            initial_backoff: 200ms
            max_backoff: 500ms
        log:
          level: info
        """
    }

    /// `serverYAML` as `DaemonProcess` takes it (keys under `server:`).
    func start(_ name: String, serverYAML: String = "") async throws -> DaemonProcess {
        try makeDirectoryForTest(directory.file("logs-\(name)"))
        return try await DaemonProcess(
            config: config(name), directory: directory.path, name: name, serverYAML: serverYAML)
    }

    /// Appends one request, stamped now, to daemon `index`'s log.
    func logRequest(daemon index: Int, model: String, latencyMillis: Int) throws {
        let now = SystemWallClock().now()
        try TestFiles.append(
            #"{"timestamp":\#(now),"request_id":"\#(model)-\#(now)","model":"\#(model)","latency_ms":\#(latencyMillis)}"#
                + "\n", to: directory.file("logs-\(Self.names[index])/app.jsonl"))
    }

    /// The indices of the daemons whose `/metrics` says `infermon_leader 1`.
    static func leaders(_ daemons: [DaemonProcess]) async -> [Int] {
        var leading: [Int] = []
        for (index, daemon) in daemons.enumerated() {
            guard let answer = try? await HTTP.request(.get, daemon.baseURL + "/metrics") else { continue }
            let leads = answer.body.split(separator: "\n").contains { line in
                line.hasPrefix("infermon_leader ") && Double(line.split(separator: " ").last ?? "") == 1
            }
            if leads { leading.append(index) }
        }
        return leading
    }
}
