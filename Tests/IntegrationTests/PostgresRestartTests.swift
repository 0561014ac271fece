import Foundation
import InfermonCore
import InfermonTesting
import Synchronization
import Testing

/// Three real `infermon serve` on one private PostgreSQL 15 while lines flow
/// into each daemon's log and clients push events over HTTP: PostgreSQL is
/// stopped (fast shutdown, as `pg_ctl stop -m fast`), the writers keep going
/// for a few seconds, it starts again; then the same with an immediate
/// shutdown (`-m immediate`, a crash and WAL recovery). Every line written and
/// every pushed event acknowledged is stored exactly once (each carries a
/// unique request id), the stored counters say the same, `/readyz` says
/// not-ready while the store is down and ready after, no daemon exits, and
/// one evaluator leads again.
@Suite("PostgreSQL restarted under load", .serialized)
struct PostgresRestartTests {
    @Test(.timeLimit(.minutes(5))) func writersBufferAndRetryThroughAFastStopAndACrash() async throws {
        guard PostgresProcess.binDirectory != nil else {
            Issue.record(Comment(rawValue: PostgresProcess.notInstalled))
            return
        }
        let server = try await PostgresProcess(settings: ["fsync": "off"])
        var daemons: [DaemonProcess] = []
        let load = RestartLoad()
        do {
            let directory = try TemporaryDirectory()
            // No alert fires in this test; the webhook is never called.
            let cluster = FailoverCluster(directory: directory, server: server, webhook: "http://127.0.0.1:9/hook")
            try cluster.writeRules()
            let token = "tok-\(UInt64.random(in: 0...UInt64.max))"
            try TestFiles.append(token + "\n", to: directory.file("token"))
            for name in FailoverCluster.names {
                daemons.append(
                    try await cluster.start(name, serverYAML: "  auth:\n    token_file: \(directory.file("token"))\n"))
            }
            #expect(
                try await waitUntil(timeoutSeconds: 30, pollMillis: 100) {
                    await FailoverCluster.leaders(daemons).count == 1
                })
            let urls = daemons.map(\.baseURL)
            let writers = Task {
                await withTaskGroup(of: Void.self) { group in
                    for index in FailoverCluster.names.indices {
                        group.addTask { await load.appendLines(cluster: cluster, daemon: index) }
                    }
                    for pusher in 0..<2 {
                        group.addTask { await load.push(pusher: pusher, urls: urls, token: token) }
                    }
                }
            }
            // Some traffic stored before the first outage.
            #expect(try await waitUntil(timeoutSeconds: 30) { try await server.count("events") >= 200 })

            var rounds: [RestartRound] = []
            for immediate in [false, true] {
                let before = load.snapshot()
                let stoppedAt = Date()
                if immediate { try await server.crash() } else { try await server.stop() }
                // Writers keep going; every daemon notices and says it is not ready.
                var notReady: [Int] = []
                let noticed = try await waitUntil(timeoutSeconds: 30, pollMillis: 100) {
                    notReady = await Self.notReady(urls)
                    return Date().timeIntervalSince(stoppedAt) >= 4 && notReady.count == urls.count
                        && load.snapshot().refusedPushes > before.refusedPushes
                }
                #expect(noticed, "not ready: \(notReady), refused pushes: \(load.snapshot().refusedPushes)")
                let during = load.snapshot()
                try await server.start()
                let outage = Date().timeIntervalSince(stoppedAt)
                let recovered = try await waitUntil(timeoutSeconds: 90, pollMillis: 100) {
                    await Self.notReady(urls).isEmpty
                }
                let answers = await Self.readiness(urls)
                #expect(recovered, "still not ready: \(answers)")
                let recoverySeconds = Date().timeIntervalSince(stoppedAt) - outage
                // The evaluator's lock session died with the server: one daemon evaluates again.
                var leaders: [Int] = []
                let led = try await waitUntil(timeoutSeconds: 30, pollMillis: 100) {
                    leaders = await FailoverCluster.leaders(daemons)
                    return leaders.count == 1
                }
                #expect(led, "leaders after the restart: \(leaders)")
                let evaluatorSeconds = Date().timeIntervalSince(stoppedAt) - outage
                rounds.append(
                    RestartRound(
                        mode: immediate ? "immediate" : "fast", outageSeconds: outage,
                        recoverySeconds: recoverySeconds, evaluatorSeconds: evaluatorSeconds,
                        linesDuring: during.lines - before.lines,
                        pushedDuring: during.attemptedEvents - before.attemptedEvents,
                        refusedPushes: during.refusedPushes - before.refusedPushes))
                // Traffic flows again before the next round.
                let stored = try await server.count("events")
                #expect(try await waitUntil(timeoutSeconds: 60) { try await server.count("events") >= stored + 200 })
            }
            load.stop()
            await writers.value
            let written = load.snapshot()

            // Everything arrives, once.
            let expected = written.lines + written.acknowledgedEvents
            var stored = 0
            let complete = try await waitUntil(timeoutSeconds: 120, pollMillis: 200) {
                stored = try await server.count("events")
                return stored >= expected
            }
            #expect(complete, "stored \(stored) of \(expected) events")
            let counts = try await server.query("SELECT count(*), count(DISTINCT request_id) FROM events")
            #expect(counts == "\(expected)|\(expected)", "events stored | distinct request ids")
            // Each writer's ids are exactly 1…n: none missing, none extra.
            let lines = try await server.query(
                """
                SELECT split_part(request_id, '-', 2), count(DISTINCT request_id), max(split_part(request_id, '-', 3)::int)
                FROM events WHERE request_id LIKE 'f-%' GROUP BY 1 ORDER BY 1
                """)
            #expect(lines == written.linesByDaemon.enumerated().map { "\($0)|\($1)|\($1)" }.joined(separator: "\n"))
            let pushed = try await server.query(
                """
                SELECT split_part(request_id, '-', 2), count(DISTINCT request_id), max(split_part(request_id, '-', 3)::int)
                FROM events WHERE request_id LIKE 'p-%' GROUP BY 1 ORDER BY 1
                """)
            #expect(
                pushed
                    == written.batchesByPusher.enumerated().map { "\($0)|\($1 * RestartLoad.batchEvents)|\($1)" }
                    .joined(separator: "\n"))

            // The counters (rollups) neither lost nor counted twice.
            var counted: Double?
            let counters = try await waitUntil(timeoutSeconds: 30, pollMillis: 200) {
                counted = try await Self.instant(urls[0], "sum(infermon_requests_total)")
                return counted == Double(expected)
            }
            #expect(counters, "sum(infermon_requests_total) = \(String(describing: counted)), expected \(expected)")

            // Nobody exited; one evaluator leads again.
            for (index, daemon) in daemons.enumerated() {
                #expect(daemon.process.isRunning, "\(FailoverCluster.names[index]) exited: \(daemon.log.suffix(2000))")
            }
            var leaders: [Int] = []
            #expect(
                try await waitUntil(timeoutSeconds: 30, pollMillis: 100) {
                    leaders = await FailoverCluster.leaders(daemons)
                    return leaders.count == 1
                }, "leaders after the restarts: \(leaders)")

            for round in rounds {
                print(
                    "postgres restart (\(round.mode)): outage \(String(format: "%.1f", round.outageSeconds)) s, "
                        + "\(round.linesDuring) lines and \(round.pushedDuring) pushed events written during it "
                        + "(\(round.refusedPushes) pushes answered 503), all ready again "
                        + "\(String(format: "%.1f", round.recoverySeconds)) s after the start, an evaluator "
                        + "\(String(format: "%.1f", round.evaluatorSeconds)) s after")
            }
            print(
                "postgres restart: \(written.lines) lines + \(written.acknowledgedEvents) pushed events "
                    + "(\(written.pushRetries) push retries) = \(expected) stored, lost 0, duplicated 0")
        } catch {
            Issue.record(error)
        }
        load.stop()
        for daemon in daemons { daemon.discard() }
        try await server.stop()
    }

    struct RestartRound {
        var mode: String
        var outageSeconds: Double
        var recoverySeconds: Double
        var evaluatorSeconds: Double
        var linesDuring: Int
        var pushedDuring: Int
        var refusedPushes: Int
    }

    /// `/readyz` of each daemon: (index, status, body).
    static func readiness(_ urls: [String]) async -> [(Int, Int, String)] {
        var answers: [(Int, Int, String)] = []
        for (index, url) in urls.enumerated() {
            let answer = try? await HTTP.request(.get, url + "/readyz")
            answers.append((index, answer?.status ?? 0, answer?.body ?? "no answer"))
        }
        return answers
    }

    static func notReady(_ urls: [String]) async -> [Int] {
        await readiness(urls).filter { $0.1 != 200 }.map(\.0)
    }

    /// The value of an instant query's only sample, or nil.
    static func instant(_ url: String, _ query: String) async throws -> Double? {
        let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
        let answer = try await HTTP.request(.get, url + "/api/v1/query?query=\(encoded)")
        guard answer.status == 200,
            let json = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any],
            let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]],
            let value = result.first?["value"] as? [Any], let text = value.last as? String
        else { return nil }
        return Double(text)
    }
}

/// The writers of the test: lines appended to each daemon's log and batches
/// pushed over HTTP, each event with a unique request id. A push that is not
/// answered 200 is sent again, the same batch, after its Retry-After.
final class RestartLoad: Sendable {
    struct Snapshot {
        var lines = 0
        var linesByDaemon = [0, 0, 0]
        var batchesByPusher = [0, 0]
        var attemptedEvents = 0
        var acknowledgedEvents = 0
        var refusedPushes = 0
        var pushRetries = 0
    }

    private let state = Mutex(Snapshot())
    private let stopped = Atomic<Bool>(false)
    static let batchEvents = 10

    func snapshot() -> Snapshot { state.withLock { $0 } }
    private let stoppedAt = Mutex<Date?>(nil)

    func stop() {
        stoppedAt.withLock { $0 = $0 ?? Date() }
        stopped.store(true, ordering: .releasing)
    }

    /// A batch still refused a minute after the writers were told to stop is given up (and the test fails).
    var givesUp: Bool { stoppedAt.withLock { $0 }.map { Date().timeIntervalSince($0) > 60 } ?? false }
    var isStopped: Bool { stopped.load(ordering: .acquiring) }

    /// A line every 20 ms (a few at once now and then) to daemon `index`'s log.
    func appendLines(cluster: FailoverCluster, daemon index: Int) async {
        let path = cluster.directory.file("logs-\(FailoverCluster.names[index])/app.jsonl")
        var sequence = 0
        while !isStopped {
            let count = sequence % 10 == 0 ? 5 : 1
            var text = ""
            for _ in 0..<count {
                sequence += 1
                let id = "f-\(index)-\(sequence)"
                let now = SystemWallClock().now()
                text += #"{"timestamp":\#(now),"request_id":"\#(id)","model":"m\#(index)","latency_ms":120}"# + "\n"
            }
            do {
                try TestFiles.append(text, to: path)
                state.withLock {
                    $0.lines += count
                    $0.linesByDaemon[index] = sequence
                }
            } catch {
                Issue.record(error)
                return
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Batches of `batchEvents` to the daemons in turn, each sent until answered 200.
    func push(pusher: Int, urls: [String], token: String) async {
        var batch = 0
        while !isStopped {
            batch += 1
            let now = SystemWallClock().now()
            let body = (0..<Self.batchEvents).map { event in
                #"{"timestamp":\#(now),"request_id":"p-\#(pusher)-\#(batch)-\#(event)","model":"pushed","latency_ms":80}"#
            }.joined(separator: "\n")
            let url = urls[(pusher + batch) % urls.count] + "/api/v1/events"
            state.withLock { $0.attemptedEvents += Self.batchEvents }
            var attempt = 0
            while true {
                attempt += 1
                if attempt > 1 { state.withLock { $0.pushRetries += 1 } }
                let answer = try? await HTTP.request(.post, url, body: body, token: token)
                if answer?.status == 200 {
                    state.withLock {
                        $0.acknowledgedEvents += Self.batchEvents
                        $0.batchesByPusher[pusher] = batch
                    }
                    break
                }
                if givesUp {
                    Issue.record("push batch \(batch) of pusher \(pusher) never acknowledged")
                    return
                }
                var wait = 200
                if let answer {
                    state.withLock { $0.refusedPushes += 1 }
                    if answer.status != 503 && answer.status != 429 {
                        Issue.record("push answered \(answer.status): \(answer.body.prefix(300))")
                    }
                    let retryAfter = answer.headers.first { $0.0.lowercased() == "retry-after" }.flatMap { Int($0.1) }
                    if retryAfter == nil { Issue.record("push answered \(answer.status) without Retry-After") }
                    wait = min(1000, (retryAfter ?? 1) * 1000)
                }
                try? await Task.sleep(for: .milliseconds(wait))
            }
            try? await Task.sleep(for: .milliseconds(30))
        }
    }
}

extension PostgresProcess {
    /// One `psql` query's answer: rows by line, columns by `|`.
    func query(_ sql: String) async throws -> String {
        guard let bin = Self.binDirectory else { throw InfermonError.unavailable(Self.notInstalled) }
        var environment = ChildProcess.currentEnvironment
        environment["PGPASSWORD"] = password
        let child = try ChildProcess(
            executable: "\(bin)/psql",
            arguments: ["-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d", database, "-X", "-At", "-c", sql],
            environment: environment, outputPrefix: "\(directory)/psql-\(UUID().uuidString)")
        let code = try await child.wait()
        guard code == 0 else {
            throw InfermonError.unavailable("psql failed (\(code)): \(child.standardError().suffix(1000))")
        }
        return child.standardOutput().trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Rows in `table`.
    func count(_ table: String) async throws -> Int {
        Int(try await query("SELECT count(*) FROM \(table)")) ?? -1
    }
}
