import Collectors
import InfermonCore
import InfermonTesting
import Store
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `POST /api/v1/events` through a real daemon: access control, limits,
/// backpressure with retries, exactly-once storage, and `/metrics` judged by promtool.
@Suite("HTTP push ingest")
struct PushIngestTests {
    static func batch(_ ids: Range<Int>, prefix: String = "p") -> String {
        let now = SystemWallClock().now()
        return ids.map {
            #"{"timestamp":\#(now),"request_id":"\#(prefix)\#($0)","model":"m","tenant":"t\#($0 % 5)","latency_ms":12}"#
        }
        .joined(separator: "\n")
    }

    static func start(_ directory: TemporaryDirectory, queueEvents: Int = 200_000, maxBody: Int? = nil)
        async throws -> DaemonProcess
    {
        try TestFiles.append("tok-\(UInt64.random(in: 0...UInt64.max))\n", to: directory.file("token"))
        var server = "  auth:\n    token_file: \(directory.file("token"))\n  ingest_queue_events: \(queueEvents)\n"
        if let maxBody { server += "  max_body_bytes: \(maxBody)\n" }
        return try await DaemonProcess(
            config: "storage:\n  path: \(directory.file("store.db"))\nsources: []\n", directory: directory.path,
            serverYAML: server)
    }

    static func token(_ directory: TemporaryDirectory) throws -> String {
        String(String(decoding: try TestFiles.read(directory.file("token")), as: UTF8.self).dropLast())
    }

    @Test func writesNeedTheTokenAndBadInputIsRefusedClearly() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await Self.start(directory, maxBody: 4096)
        defer { daemon.discard() }
        let url = daemon.baseURL + "/api/v1/events"
        let token = try Self.token(directory)
        #expect(try await HTTP.request(.post, url, body: Self.batch(0..<1)).status == 401)
        #expect(try await HTTP.request(.post, url, body: Self.batch(0..<1), token: token + "x").status == 401)
        #expect(
            try await HTTP.request(.get, daemon.baseURL + "/api/v1/query?query=1", token: nil).status == 200,
            "reads are open on loopback")
        let accepted = try await HTTP.request(.post, url, body: Self.batch(0..<3) + "\n{not json\n", token: token)
        #expect(accepted.status == 200 && accepted.body.contains(#""accepted":3,"rejected":1"#), "\(accepted.body)")
        #expect(accepted.body.contains(#""index":3"#))
        let tooBig = try await HTTP.request(.post, url, body: Self.batch(0..<100), token: token)
        #expect(tooBig.status == 413, "\(tooBig.body)")
        let profile = try await HTTP.request(.post, url + "?profile=nope", body: Self.batch(0..<1), token: token)
        #expect(profile.status == 400 && profile.body.contains("unknown profile"))
        let array = try await HTTP.request(
            .post, url + "?profile=native",
            body: "[" + Self.batch(10..<12, prefix: "a").replacingNewlines(with: ",") + "]", token: token)
        #expect(array.status == 200 && array.body.contains(#""accepted":2"#), "\(array.body)")
    }

    @Test func gzipBodiesAreAccepted() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await Self.start(directory)
        defer { daemon.discard() }
        try TestFiles.append(Self.batch(0..<50, prefix: "z"), to: directory.file("body.jsonl"))
        let gzip = try #require(findExecutable("gzip"))
        _ = try await runShell(
            "\(gzip) -c \(directory.file("body.jsonl")) > \(directory.file("body.gz"))", directory: directory.path)
        let compressed = try TestFiles.read(directory.file("body.gz"))
        let answer = try await HTTP.request(
            .post, daemon.baseURL + "/api/v1/events", bytes: compressed, token: try Self.token(directory),
            headers: [("Content-Encoding", "gzip")])
        #expect(answer.status == 200 && answer.body.contains(#""accepted":50"#), "\(answer.body)")
        let broken = try await HTTP.request(
            .post, daemon.baseURL + "/api/v1/events", bytes: Array(compressed.prefix(20)),
            token: try Self.token(directory),
            headers: [("Content-Encoding", "gzip")])
        #expect(broken.status == 400 && broken.body.contains("gzip"), "\(broken.status) \(broken.body)")
    }

    @Test func theServerSurvivesMalformedAndSlowClients() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await Self.start(directory)
        defer { daemon.discard() }
        // Garbage instead of HTTP, a request line cut in the middle, and a client that stalls mid-headers.
        let garbage = try RawConnection(port: daemon.port)
        garbage.send(Array(repeating: 0xFF, count: 512) + Array("\r\n\r\n".utf8))
        let cut = try RawConnection(port: daemon.port)
        cut.send(Array("POST /api/v1/events HTTP/1.1\r\nContent-Le".utf8))
        cut.close()
        let stalled = try RawConnection(port: daemon.port)
        stalled.send(Array("GET /healthz HTTP/1.1\r\nHost: x\r\n".utf8))
        // Meanwhile other clients are served.
        for _ in 0..<5 {
            #expect(try await HTTP.request(.get, daemon.baseURL + "/healthz").status == 200)
        }
        stalled.send(Array("\r\n".utf8))
        #expect(
            try await stalled.receive().hasPrefix("HTTP/1.1 200"),
            "the slow client is answered once it completes its request")
        #expect(daemon.process.isRunning)
    }

    @Test func aClientPushingFasterThanTheStoreGets429sAndEverythingLandsOnce() async throws {
        let directory = try TemporaryDirectory()
        // A queue of 300 events: concurrent pushes of 100 must be refused some of the time.
        let daemon = try await Self.start(directory, queueEvents: 300)
        defer { daemon.discard() }
        let url = daemon.baseURL + "/api/v1/events"
        let token = try Self.token(directory)
        let clients = 8
        let batchesPerClient = 25
        let throttled = try await withThrowingTaskGroup(of: Int.self) { group in
            for client in 0..<clients {
                group.addTask {
                    var refusals = 0
                    for batch in 0..<batchesPerClient {
                        let first = (client * batchesPerClient + batch) * 100
                        let body = Self.batch(first..<(first + 100))
                        while true {
                            let answer = try await HTTP.request(.post, url, body: body, token: token)
                            if answer.status == 200 { break }
                            #expect(answer.status == 429, "\(answer.body)")
                            #expect(
                                answer.headers.contains { $0.0.lowercased() == "retry-after" },
                                "429 carries Retry-After")
                            refusals += 1
                            try await Task.sleep(for: .milliseconds(Int.random(in: 1...20)))
                        }
                        // Every fifth batch is sent again, as a client does when an answer is lost.
                        if batch % 5 == 0 {
                            var again = try await HTTP.request(.post, url, body: body, token: token)
                            while again.status == 429 {
                                again = try await HTTP.request(.post, url, body: body, token: token)
                            }
                            #expect(again.status == 200)
                        }
                    }
                    return refusals
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(throttled > 0, "the bounded queue pushed back")
        let sql = try ReadOnlySQL(path: directory.file("store.db"))
        let rows = try sql.query("SELECT count(*), count(DISTINCT request_id) FROM events").rows[0]
        let expected = Int64(clients * batchesPerClient * 100)
        #expect(rows == [.integer(expected), .integer(expected)], "every event exactly once")
    }

    @Test func metricsPassPromtoolCheckMetrics() async throws {
        let directory = try TemporaryDirectory()
        let daemon = try await Self.start(directory)
        defer { daemon.discard() }
        _ = try await HTTP.request(
            .post, daemon.baseURL + "/api/v1/events", body: Self.batch(0..<20), token: try Self.token(directory))
        let secret =
            #"{"timestamp":\#(SystemWallClock().now()),"request_id":"s1","model":"m","prompt":"my key AKIAIOSFODNN7EXAMPLE"}"#
        _ = try await HTTP.request(
            .post, daemon.baseURL + "/api/v1/events", body: secret, token: try Self.token(directory))
        let metrics = try await HTTP.request(.get, daemon.baseURL + "/metrics")
        #expect(metrics.body.contains("infermon_requests_total{"), "event series are exposed")
        #expect(metrics.body.contains("infermon_push_accepted_events_total"), "self-metrics are exposed")
        #expect(
            metrics.body.contains(#"infermon_security_findings_total{field="prompt",kind="api_key",model="m"} 1"#),
            "counters kept by ingest stages are exposed: \(metrics.body)")
        try TestFiles.append(metrics.body, to: directory.file("metrics.txt"))
        let promtool = try #require(findExecutable("promtool"), "promtool is needed: apt-get install prometheus")
        let check = try await runShell(
            "\(promtool) check metrics < \(directory.file("metrics.txt"))", directory: directory.path)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.isEmpty && check.stderr.isEmpty, "no lint findings: \(check.stdout)\(check.stderr)")
    }

    @Test func listeningBeyondLoopbackWithoutATokenIsRefused() async throws {
        let directory = try TemporaryDirectory()
        try TestFiles.append(
            "storage:\n  path: \(directory.file("s.db"))\nsources: []\nserver:\n  listen: 0.0.0.0:0\n",
            to: directory.file("c.yaml"))
        let result = try await runCommand(
            ChildProcess.infermonBinary(), ["serve", "--config", directory.file("c.yaml")], directory: directory.path,
            name: "serve")
        #expect(result.status != 0)
        #expect(result.stderr.contains("server.auth.token_file must be set"), "\(result.stderr)")
    }
}

func runShell(_ command: String, directory: String) async throws -> (status: Int32, stdout: String, stderr: String) {
    try await runCommand(
        "/bin/sh", ["-c", command], directory: directory, name: "shell-\(UInt32.random(in: 0...UInt32.max))")
}

extension String {
    func replacingNewlines(with separator: String) -> String {
        split(separator: "\n").joined(separator: separator)
    }
}

/// A plain TCP connection for sending what no HTTP client would.
final class RawConnection {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else { throw InfermonError.io("connect: \(String(cString: strerror(errno)))") }
    }

    deinit { Glibc.close(descriptor) }

    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
    func close() { shutdown(descriptor, Int32(SHUT_WR)) }

    /// What has arrived, once something has: up to 10 s, polled without blocking
    /// (suspending between tries); "" at end of stream or when the time is up.
    func receive() async throws -> String {
        let deadline = monotonicNanoseconds() + 10_000_000_000
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes {
                recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT))
            }
            if count > 0 { return String(decoding: buffer[0..<count], as: UTF8.self) }
            let retry = count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            guard retry, monotonicNanoseconds() < deadline else { return "" }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
