import Foundation
import InfermonCore
import InfermonTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Remote write into the real receivers, through a receiver outage and a
/// SIGKILL of the daemon: afterwards Prometheus answers the same PromQL as
/// infermon (promtool against both), and both receivers hold every sample
/// infermon has of the sent series, no more and no fewer. "Ten minutes" of
/// outage is compressed onto a 1 s rollup grid: what matters is that the
/// receiver was down while samples kept coming, not the wall time.
@Suite("Remote write into Prometheus and VictoriaMetrics")
struct RemoteWriteEndToEndTests {
    static let rules = """
        groups:
          - name: rw
            interval: 1s
            rules:
              - record: model:infermon_requests:rate1m
                expr: sum by (model) (rate(infermon_requests_total[1m]))
        """

    static func config(_ directory: TemporaryDirectory, _ receivers: [RemoteWriteReceiver]) -> String {
        var text = """
            global:
              external_labels: {cluster: e2e}
            storage:
              path: \(directory.file("store.db"))
              rollup_interval: 1s
            sources: []
            rule_files: [\(directory.file("rules.yaml"))]
            remote_write:

            """
        for receiver in receivers {
            text += """
                  - url: \(receiver.writeURL)
                    name: \(receiver.kind == .prometheus ? "prometheus" : "victoria")
                    queue_config: {send_interval: 500ms, delay: 2s, min_backoff: 50ms, max_backoff: 1s}

                """
        }
        return text
    }

    /// Pushes a few events stamped now every 200 ms for `seconds`; events a
    /// daemon that is down refuses are not counted anywhere.
    static let token = "remote-write-e2e-token-0123456789"

    static func push(to daemon: DaemonProcess, seconds: Double, counter: inout Int) async throws {
        let deadline = monotonicNanoseconds() + UInt64(seconds * 1e9)
        while monotonicNanoseconds() < deadline {
            let now = SystemWallClock().now()
            let lines = (0..<3).map { index -> String in
                counter += 1
                let model = ["alpha", "beta"][counter % 2]
                let latency = [12, 80, 150, 700, 2300][counter % 5] + index
                return
                    #"{"timestamp":\#(now),"request_id":"r\#(counter)","model":"\#(model)","latency_ms":\#(latency)}"#
            }
            _ = try? await HTTP.request(
                .post, daemon.baseURL + "/api/v1/events", body: lines.joined(separator: "\n"), token: token)
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// `infermon_remote_storage_<name>{remote_name=…}` from the daemon's /metrics.
    static func metric(_ daemon: DaemonProcess, _ name: String, remote: String) async throws -> Double? {
        let body = try await HTTP.request(.get, daemon.baseURL + "/metrics").body
        for line in body.split(separator: "\n")
        where line.hasPrefix("infermon_remote_storage_\(name){") && line.contains("remote_name=\"\(remote)\"") {
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }

    static func withoutCluster(_ series: [Labels: [Sample]]) -> [Labels: [Sample]] {
        Dictionary(uniqueKeysWithValues: series.map { ($0.key.removing(["cluster"]), $0.value) })
    }

    @Test func sameAnswersAndNoSampleMissingAfterAnOutageAndASIGKILL() async throws {
        let directory = try TemporaryDirectory()
        let promtool = try #require(findExecutable("promtool"), "apt-get install prometheus (make test installs it)")
        let prometheus = try await RemoteWriteReceiver(.prometheus, directory: directory.file("prometheus"))
        let victoria = try await RemoteWriteReceiver(.victoriaMetrics, directory: directory.file("victoria"))
        defer {
            prometheus.discard()
            victoria.discard()
        }
        try await prometheus.start()
        try await victoria.start()
        try TestFiles.append(Self.rules, to: directory.file("rules.yaml"))
        let config = Self.config(directory, [prometheus, victoria])
        try TestFiles.append(Self.token + "\n", to: directory.file("token"))
        let server = "  auth:\n    token_file: \(directory.file("token"))\n"
        var daemon = try await DaemonProcess(
            config: config, directory: directory.path, name: "first", serverYAML: server)
        defer { daemon.discard() }
        let start = SystemWallClock().now()
        var pushed = 0
        try await Self.push(to: daemon, seconds: 5, counter: &pushed)
        // The outage: both receivers down while samples keep coming, and the daemon
        // killed and restarted in the middle of it.
        try await prometheus.stop()
        try await victoria.stop()
        try await Self.push(to: daemon, seconds: 4, counter: &pushed)
        try await daemon.kill()
        daemon = try await DaemonProcess(
            config: config, directory: directory.path, name: "second", serverYAML: server)
        try await Self.push(to: daemon, seconds: 4, counter: &pushed)
        try await prometheus.start()
        try await victoria.start()
        try await Self.push(to: daemon, seconds: 3, counter: &pushed)
        let lastPush = SystemWallClock().now()
        // The end of the compared range: a grid point after the last event, once both have it.
        let end = (lastPush / 1000 + 3) * 1000
        for remote in ["prometheus", "victoria"] {
            let caughtUp = try await waitUntil(timeoutSeconds: 30) {
                let highest = try await Self.metric(daemon, "highest_timestamp_in_seconds", remote: remote) ?? 0
                return highest * 1000 >= Double(end + 1000)
            }
            #expect(caughtUp, "\(remote) got everything up to the end of the range: \(daemon.log.suffix(3000))")
        }
        #expect(try await Self.metric(daemon, "failed_samples_total", remote: "prometheus") == nil)

        // No sample missing, none extra: the raw samples of each sent family, in both receivers.
        for selector in [
            "infermon_requests_total", "infermon_request_duration_seconds_bucket", "model:infermon_requests:rate1m",
        ] {
            let own = try await PrometheusJSON.rawSamples(baseURL: daemon.baseURL, selector, start: start, end: end)
            #expect(!own.isEmpty && own.values.allSatisfy { !$0.isEmpty }, "infermon has \(selector)")
            for receiver in [prometheus, victoria] {
                let got = Self.withoutCluster(try await receiver.rawSamples(selector, start: start, end: end))
                #expect(Set(got.keys) == Set(own.keys), "\(receiver.kind) has the series of \(selector)")
                for (labels, samples) in own {
                    let theirs = got[labels] ?? []
                    #expect(
                        theirs.map(\.timestamp) == samples.map(\.timestamp),
                        "\(receiver.kind) \(labels): \(theirs.count) samples, infermon \(samples.count)")
                    // Prometheus keeps float64 as sent; VictoriaMetrics stores values as
                    // decimals of 12 significant digits or so, so it is equal to that precision.
                    let tolerance = receiver.kind == .prometheus ? 0 : 1e-9
                    let differing = zip(theirs, samples).first { got, want in
                        !(got.value.isNaN && want.value.isNaN)
                            && !(abs(got.value - want.value) <= tolerance * max(1, abs(want.value)))
                    }
                    #expect(differing == nil, "\(receiver.kind) \(labels): \(String(describing: differing))")
                }
            }
        }

        // The same PromQL, answered by Prometheus over what it received and by infermon over its store.
        let expressions = [
            "sum by (model) (rate(infermon_requests_total[5m]))",
            "histogram_quantile(0.9, sum by (le) (rate(infermon_request_duration_seconds_bucket[1m])))",
            "sum by (model) (model:infermon_requests:rate1m)",
            "sum by (model) (count_over_time(infermon_requests_total[10m]))",
        ]
        for (index, expression) in expressions.enumerated() {
            var answers: [[String: [(time: Double, value: Double)]]] = []
            for (side, url) in [("infermon", daemon.baseURL), ("prometheus", prometheus.baseURL)] {
                let out = try await runCommand(
                    promtool,
                    [
                        "query", "range", "--start=\(start / 1000 + 1)", "--end=\(end / 1000)", "--step=1s", url,
                        expression,
                    ], directory: directory.path, name: "range-\(index)-\(side)")
                #expect(out.status == 0, "\(out.stderr)")
                answers.append(parsePromtool(out.stdout))
            }
            #expect(!answers[0].isEmpty, "\(expression) has an answer")
            #expect(Set(answers[0].keys) == Set(answers[1].keys), "\(expression): the same series")
            for (series, points) in answers[0] {
                let theirs = answers[1][series] ?? []
                #expect(theirs.map(\.time) == points.map(\.time), "\(expression) \(series): the same steps")
                for (a, b) in zip(points, theirs) where !(a.value.isNaN && b.value.isNaN) {
                    #expect(
                        abs(a.value - b.value) <= 1e-9 * max(1, abs(a.value)),
                        "\(expression) \(series) @\(a.time): infermon \(a.value), prometheus \(b.value)")
                }
            }
        }
        try await daemon.stop()
    }
}
