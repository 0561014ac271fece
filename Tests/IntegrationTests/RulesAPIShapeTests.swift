import AsyncHTTPClient
import Foundation
import InfermonCore
import InfermonTesting
import NIOCore
import NIOHTTP1
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `/api/v1/rules` and `/api/v1/alerts` of a running daemon, compared with a
/// real Prometheus 2.42 running the same rule file: after blanking what must
/// differ (timings, timestamps, file paths) the two answers are the same
/// text, key order and escaping included.
@Suite("Rules API shape end to end", .serialized)
struct RulesAPIShapeTests {
    static let rules = """
        groups:
          - name: shapes
            interval: 1s
            limit: 5
            rules:
              - record: job:one
                expr: vector(1)
                labels: {a: b}
              - record: plain
                expr: vector(3)
              - alert: Always
                expr: vector(1)   >  0
                keep_firing_for: 1m
                labels: {severity: page}
                annotations: {summary: "v={{ $value }} {{ $externalLabels.cluster }} <&>"}
              - alert: Pending
                expr: vector(2)
                for: 1h
              - alert: Never
                expr: vector(1) == 2
              - alert: Broken
                expr: label_replace(vector(1), "x", "1", "", "") or label_replace(vector(2), "x", "2", "", "")
                labels: {x: same}
          - name: other
            rules:
              - alert: Sum
                expr: sum(rate(nothing[1m])) > 0
                for: 5m
        """

    @Test func answersInPrometheusShape() async throws {
        let directory = try TemporaryDirectory()
        try TestFiles.append(Self.rules, to: directory.file("shapes.rules.yaml"))
        try TestFiles.append(
            """
            storage:
              path: \(directory.file("store.db"))
            server:
              listen: 127.0.0.1:0
            sources: []
            rule_files: [shapes.rules.yaml]
            evaluation_interval: 1s
            global:
              external_labels: {cluster: c1}
            """, to: directory.file("infermon.yaml"))
        let child = try ChildProcess(
            executable: ChildProcess.infermonBinary(),
            arguments: ["serve", "--config", directory.file("infermon.yaml")],
            outputPrefix: directory.file("serve"))
        #expect(try await waitUntil(timeoutSeconds: 30) { listeningPort(child.standardError()) != nil })
        let port = try #require(listeningPort(child.standardError()))
        let base = "http://127.0.0.1:\(port)"
        // Always fires; every rule has been evaluated.
        let settled = try await waitFor { try await Self.settled(base) }
        let lastAnswer = (try? await get(base + "/api/v1/rules")) ?? "no answer"
        #expect(settled, "\(lastAnswer)\n\(child.standardError().suffix(3000))")

        let rules = try await get(base + "/api/v1/rules")
        let alerts = try await get(base + "/api/v1/alerts")
        #expect(
            rules.contains(#""lastError":"vector contains metrics with the same labelset after applying alert labels""#)
        )
        #expect(try await get(base + "/api/v1/rules?type=record").contains(#""type":"alerting""#) == false)
        #expect(try await getStatus(base + "/api/v1/rules?type=bogus") == 400)

        // `infermon alerts` reads the same endpoint.
        let listing = try await runInfermon(["alerts", "--server", base], directory: directory)
        #expect(listing.contains("FIRING   Always {severity=\"page\"}"), "\(listing)")
        #expect(listing.contains("PENDING  Pending"))
        #expect(listing.contains("summary: v=1 c1 <&>"))
        #expect(listing.contains("value 1") && !listing.contains("e+00"), "values read as numbers: \(listing)")

        child.signal(SIGTERM)
        #expect(try await child.wait() == 0)

        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus") else { return }
        let prometheus = try await PrometheusPeer.start(rules: Self.rules, directory: directory)
        defer { prometheus.discard() }
        #expect(try await waitFor { try await Self.settled(prometheus.base) })
        let theirRules = try await get(prometheus.base + "/api/v1/rules")
        let theirAlerts = try await get(prometheus.base + "/api/v1/alerts")
        #expect(normalize(rules) == normalize(theirRules))
        #expect(normalize(alerts) == normalize(theirAlerts))
    }

    static func settled(_ base: String) async throws -> Bool {
        let rules = try await get(base + "/api/v1/rules")
        return rules.contains(#""state":"firing""#) && !rules.contains(#""health":"unknown""#)
    }

    /// Blanks the fields that differ between any two runs.
    func normalize(_ text: String) -> String {
        var out = text
        let patterns = [
            (#""evaluationTime":[0-9.e+-]+"#, #""evaluationTime":0"#),
            (#""lastEvaluation":"[^"]*""#, #""lastEvaluation":"T""#),
            (#""activeAt":"[^"]*""#, #""activeAt":"T""#),
            (#""file":"[^"]*""#, #""file":"F""#),
        ]
        for (pattern, replacement) in patterns {
            out = out.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        return out
    }
}

func listeningPort(_ log: String) -> Int? {
    guard let range = log.range(of: #"address=127\.0\.0\.1:(\d+)"#, options: .regularExpression) else { return nil }
    return Int(log[range].split(separator: ":").last!)
}

/// A GET with a short timeout, so a stalled request cannot outlast a test's deadline.
func fetch(_ url: String) async throws -> (status: Int, body: String) {
    let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
    let body = try await response.body.collect(upTo: 16 << 20)
    return (Int(response.status.code), String(buffer: body))
}

func get(_ url: String) async throws -> String { try await fetch(url).body }

func getStatus(_ url: String) async throws -> Int { try await fetch(url).status }

/// Polls an async condition for up to 60 seconds.
func waitFor(_ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = monotonicNanoseconds() + 60_000_000_000
    while monotonicNanoseconds() < deadline {
        if (try? await condition()) == true { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return false
}

/// Runs `infermon` to completion and returns its standard output.
func runInfermon(_ arguments: [String], directory: TemporaryDirectory) async throws -> String {
    let prefix = directory.file("cli-\(arguments.first ?? "")")
    let child = try ChildProcess(executable: ChildProcess.infermonBinary(), arguments: arguments, outputPrefix: prefix)
    _ = try await child.wait()
    return child.standardOutput()
}

/// A real Prometheus evaluating the same rules, for comparison.
struct PrometheusPeer {
    let process: ChildProcess
    let base: String

    static func start(rules: String, directory: TemporaryDirectory) async throws -> PrometheusPeer {
        try makeDirectoryForTest(directory.file("prometheus"))
        try TestFiles.append(rules, to: directory.file("prometheus/shapes.rules.yaml"))
        try TestFiles.append(
            """
            global:
              evaluation_interval: 1s
              external_labels: {cluster: c1}
            rule_files: [shapes.rules.yaml]
            """, to: directory.file("prometheus/prometheus.yml"))
        let port = try await RecordingReceiver.reservablePort()
        let process = try ChildProcess(
            executable: "/usr/bin/prometheus",
            arguments: [
                "--config.file=\(directory.file("prometheus/prometheus.yml"))",
                "--storage.tsdb.path=\(directory.file("prometheus/data"))",
                "--web.listen-address=127.0.0.1:\(port)",
            ], outputPrefix: directory.file("prometheus/log"))
        return PrometheusPeer(process: process, base: "http://127.0.0.1:\(port)")
    }

    /// Ends it without waiting (a `defer` cannot await): SIGKILL, reaped in the background.
    func discard() { process.discard() }
}
