import Foundation
import InfermonCore
import InfermonTesting
import RemoteWrite
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Two real `infermon serve` on one private PostgreSQL 15, both configured to
/// remote write into a recording receiver; both take pushed events, only the
/// evaluator ships. The receiver takes one request and never answers, and the
/// evaluator is killed with SIGKILL while it waits: the other daemon takes
/// over, sends that same batch again from the queue in the database, then the
/// rest. Every sample the store holds of the sent families arrives, and no
/// sample arrives in two different requests (a repeat only as the same bytes).
@Suite("Remote write on PostgreSQL end to end", .serialized)
struct PostgresRemoteWriteTests {
    static let names = ["shipper-a", "shipper-b"]

    static func config(_ name: String, server: PostgresProcess, receiver: RecordingReceiver) -> String {
        """
        storage:
          backend: postgres
          rollup_interval: 1s
          postgres:
            url: \(server.url)
            password_file: \(server.passwordFile)
            host_name: \(name)
            evaluator_lease: 5s
        sources: []
        remote_write:
          - url: \(receiver.url("/api/v1/write"))
            name: recorder
            remote_timeout: 25s
            queue_config: {send_interval: 300ms, delay: 3s, min_backoff: 50ms, max_backoff: 500ms}
        """
    }

    /// Pushes a few events stamped now to each daemon in turn every 200 ms for `seconds`.
    /// Pushes for `seconds`, and on past them (up to a minute) until `atLeast`
    /// pushes were accepted: a loaded machine answers fewer in the same time.
    static func push(to daemons: [DaemonProcess], seconds: Double, counter: inout Int, atLeast: Int = 0)
        async throws -> Int
    {
        var accepted = 0
        let deadline = monotonicNanoseconds() + UInt64(seconds * 1e9)
        let limit = deadline + 60_000_000_000
        while monotonicNanoseconds() < deadline || (accepted < atLeast && monotonicNanoseconds() < limit) {
            for daemon in daemons {
                let now = SystemWallClock().now()
                let lines = (0..<3).map { index -> String in
                    counter += 1
                    let model = ["alpha", "beta"][counter % 2]
                    let latency = [12, 80, 150, 700, 2300][counter % 5] + index
                    return
                        #"{"timestamp":\#(now),"request_id":"p\#(counter)","model":"\#(model)","latency_ms":\#(latency)}"#
                }
                let answer = try? await HTTP.request(
                    .post, daemon.baseURL + "/api/v1/events", body: lines.joined(separator: "\n"),
                    token: RemoteWriteEndToEndTests.token)
                if let status = answer?.status, (200..<300).contains(status) { accepted += 1 }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        return accepted
    }

    /// The samples of each request body, decoded.
    static func decode(_ body: [UInt8]) throws -> [Series] {
        try WriteRequestDecoder.decode(try Snappy.decompress(body))
    }

    @Test func theNextEvaluatorResendsTheBatchInFlightAndShipsTheRestOnce() async throws {
        guard PostgresProcess.binDirectory != nil else {
            Issue.record(Comment(rawValue: PostgresProcess.notInstalled))
            return
        }
        let server = try await PostgresProcess(settings: ["fsync": "off"])
        let receiver = try await RecordingReceiver.start()
        var daemons: [DaemonProcess] = []
        do {
            let directory = try TemporaryDirectory()
            try TestFiles.append(RemoteWriteEndToEndTests.token + "\n", to: directory.file("token"))
            for name in Self.names {
                daemons.append(
                    try await DaemonProcess(
                        config: Self.config(name, server: server, receiver: receiver), directory: directory.path,
                        name: name, serverYAML: "  auth:\n    token_file: \(directory.file("token"))\n"))
            }
            var leaders: [Int] = []
            let settled = try await waitUntil(timeoutSeconds: 30, pollMillis: 100) {
                leaders = await FailoverCluster.leaders(daemons)
                return leaders.count == 1
            }
            try #require(settled, "leaders: \(leaders)")
            let leader = leaders[0]
            let survivor = 1 - leader
            // The evaluator's first pass sets the endpoint's cursor at the present; its self
            // metrics follow. Everything pushed from here on is past the cursor.
            #expect(try await waitUntil(timeoutSeconds: 30) { !receiver.requests.isEmpty })
            let start = SystemWallClock().now()
            var pushed = 0
            var accepted = try await Self.push(to: daemons, seconds: 4, counter: &pushed)
            #expect(
                try await RemoteWriteEndToEndTests.metric(daemons[leader], "samples_total", remote: "recorder") != nil)
            #expect(
                try await RemoteWriteEndToEndTests.metric(daemons[survivor], "samples_total", remote: "recorder")
                    == nil,
                "only the evaluator ships")

            // The next request is taken and never answered; the evaluator dies waiting for it.
            let before = receiver.requests.count
            receiver.setBehavior(.stall)
            for _ in 0..<60 where receiver.requests.count == before {
                accepted += try await Self.push(to: daemons, seconds: 0.5, counter: &pushed)
            }
            try #require(receiver.requests.count > before, "the evaluator sent nothing more")
            let stalled = receiver.requests[before].body
            accepted += try await Self.push(to: daemons, seconds: 1, counter: &pushed)
            try await daemons[leader].kill()
            receiver.setBehavior(.ok)
            let tookOver = try await waitUntil(timeoutSeconds: 30, pollMillis: 50) {
                await FailoverCluster.leaders([daemons[survivor]]) == [0]
            }
            try #require(tookOver, "\(daemons[survivor].log.suffix(2000))")
            accepted += try await Self.push(
                to: [daemons[survivor]], seconds: 4, counter: &pushed, atLeast: max(0, 21 - accepted))
            #expect(accepted > 20)
            let end = (SystemWallClock().now() / 1000 + 1) * 1000
            let caughtUp = try await waitUntil(timeoutSeconds: 60) {
                let highest =
                    try await RemoteWriteEndToEndTests.metric(
                        daemons[survivor], "highest_timestamp_in_seconds", remote: "recorder") ?? 0
                let pending =
                    try await RemoteWriteEndToEndTests.metric(daemons[survivor], "pending_samples", remote: "recorder")
                return highest * 1000 >= Double(end + 1000) && pending == 0
            }
            #expect(caughtUp, "\(daemons[survivor].log.suffix(3000))")

            // The batch in flight went again, byte for byte; no sample went in two batches.
            let requests = receiver.requests
            #expect(requests.filter { $0.body == stalled }.count >= 2, "the next evaluator resent the batch in flight")
            var bodies: [[UInt8]] = []
            for request in requests where !bodies.contains(request.body) { bodies.append(request.body) }
            var received: [Labels: [Sample]] = [:]
            var sentIn: [String: Int] = [:]
            var twice: [String] = []
            for (index, body) in bodies.enumerated() {
                for series in try Self.decode(body) {
                    received[series.labels, default: []] += series.samples
                    for sample in series.samples {
                        let key = "\(series.labels) @\(sample.timestamp)"
                        if let other = sentIn[key], other != index { twice.append(key) }
                        sentIn[key] = index
                    }
                }
            }
            #expect(twice.isEmpty, "\(twice.count) samples went in two different batches: \(twice.prefix(5))")
            print(
                "postgres remote write: \(requests.count) requests, \(bodies.count) distinct batches, "
                    + "\(sentIn.count) samples")

            // Every stored sample of the sent families arrived, none more.
            for selector in ["infermon_requests_total", "infermon_request_duration_seconds_bucket"] {
                let own = try await PrometheusJSON.rawSamples(
                    baseURL: daemons[survivor].baseURL, selector, start: start, end: end)
                #expect(!own.isEmpty, "the store has \(selector)")
                let theirs = received.filter { $0.key.name == selector }.mapValues { samples in
                    samples.filter { $0.timestamp >= start && $0.timestamp <= end }.sorted {
                        $0.timestamp < $1.timestamp
                    }
                }.filter { !$0.value.isEmpty }
                #expect(Set(theirs.keys) == Set(own.keys), "\(selector): the same series")
                for (labels, samples) in own {
                    let got = theirs[labels] ?? []
                    #expect(got == samples, "\(labels): received \(got.count) samples, stored \(samples.count)")
                }
            }
        } catch {
            Issue.record(error)
        }
        for daemon in daemons { daemon.discard() }
        try? await receiver.stop()
        try await server.stop()
    }
}
