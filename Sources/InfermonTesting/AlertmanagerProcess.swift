import Foundation
import InfermonCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A real Alertmanager (Debian's `prometheus-alertmanager`, 0.25) on
/// 127.0.0.1, alone or as one node of a cluster, for end-to-end tests. Its
/// data lives in the test's directory; it is stopped with a real signal.
///
/// Cluster nodes gossip on loopback with short intervals, so the notification
/// log (which node sent what) reaches the peer within a fraction of a second,
/// and a node waits `peerTimeout` times its position in the cluster before
/// sending what its peer may already have sent: Alertmanager's deduplication.
public final class AlertmanagerProcess: Sendable {
    /// The installed binary, or nil (tests are then skipped, saying why).
    public static let binary = ["/usr/bin/prometheus-alertmanager", "/usr/local/bin/alertmanager"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    public static let notInstalled =
        "prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)"

    /// How a node joins a cluster: its gossip port and its peers' ports, all on 127.0.0.1.
    public struct Cluster: Sendable {
        public var port: Int
        public var peers: [Int]
        public var peerTimeout: Duration
        public var gossipInterval: Duration
        public var pushPullInterval: Duration

        public init(
            port: Int, peers: [Int], peerTimeout: Duration = .seconds(2), gossipInterval: Duration = .milliseconds(50),
            pushPullInterval: Duration = .seconds(1)
        ) {
            self.port = port
            self.peers = peers
            self.peerTimeout = peerTimeout
            self.gossipInterval = gossipInterval
            self.pushPullInterval = pushPullInterval
        }
    }

    public let process: ChildProcess
    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts Alertmanager with `config` (its YAML) and waits until it answers `/-/ready`.
    /// Without `cluster` it runs alone (`--cluster.listen-address=`).
    public init(config: String, directory: String, name: String = "alertmanager", cluster: Cluster? = nil)
        async throws
    {
        guard let binary = Self.binary else { throw InfermonError.unavailable(Self.notInstalled) }
        let storage = "\(directory)/\(name)-data"
        try FileManager.default.createDirectory(atPath: storage, withIntermediateDirectories: true)
        let configPath = "\(directory)/\(name).yml"
        TestFiles.remove(configPath)
        try TestFiles.append(config, to: configPath)
        let port = try await RecordingReceiver.reservablePort()
        var arguments = [
            "--config.file=\(configPath)", "--storage.path=\(storage)", "--web.listen-address=127.0.0.1:\(port)",
            "--log.level=debug",
        ]
        if let cluster {
            arguments += [
                "--cluster.listen-address=127.0.0.1:\(cluster.port)",
                "--cluster.advertise-address=127.0.0.1:\(cluster.port)",
                "--cluster.peer-timeout=\(Self.goDuration(cluster.peerTimeout))",
                "--cluster.gossip-interval=\(Self.goDuration(cluster.gossipInterval))",
                "--cluster.pushpull-interval=\(Self.goDuration(cluster.pushPullInterval))",
                "--cluster.settle-timeout=5s", "--cluster.reconnect-interval=1s",
            ]
            arguments += cluster.peers.map { "--cluster.peer=127.0.0.1:\($0)" }
        } else {
            arguments.append("--cluster.listen-address=")
        }
        let child = try ChildProcess(executable: binary, arguments: arguments, outputPrefix: "\(directory)/\(name)")
        let base = "http://127.0.0.1:\(port)"
        let ready = try await waitUntil(timeoutSeconds: 30, pollMillis: 100) {
            guard child.isRunning else { return true }
            return await Self.status(of: base + "/-/ready") == 200
        }
        guard ready, child.isRunning else {
            child.discard()
            throw InfermonError.unavailable("alertmanager did not become ready: \(child.standardError().suffix(2000))")
        }
        process = child
        self.port = port
    }

    /// `GET /api/v2/alerts`: the alerts this node holds, as JSON objects.
    public func alerts() async throws -> [[String: Any]] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: baseURL + "/api/v2/alerts")!)
        return try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
    }

    /// Ends the node without waiting (SIGKILL, reaped in the background), for a `defer`.
    public func discard() { process.discard() }

    /// SIGTERM and wait; returns the exit code.
    @discardableResult
    public func stop() async throws -> Int32 {
        process.signal(SIGTERM)
        return try await process.wait()
    }

    public var log: String { process.standardError() }

    private static func status(of url: String) async -> Int? {
        let answer = try? await URLSession.shared.data(from: URL(string: url)!)
        return (answer?.1 as? HTTPURLResponse)?.statusCode
    }

    /// `1500ms`, as Go's flag package reads durations.
    private static func goDuration(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000)ms"
    }
}
