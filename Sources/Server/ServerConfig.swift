import Collectors
import InfermonCore
public import InfermonYAML
public import Query

/// The `server:` section, owned here beside the server it configures, so each
/// default is written once: the body cap is `ServerOptions`', the push queue's
/// bound is `IngestQueue`'s, the query limits are `QueryLimits.serving`'s.
///
/// ```yaml
/// server:
///   listen: 127.0.0.1:9464
///   auth: {token_file: /etc/infermon/token}
///   max_body_bytes: 16777216
///   ingest_queue_events: 200000
///   query_timeout: 30s
///   max_samples_per_query: 50000000
/// ```
public struct ServerConfig: Sendable, Equatable {
    public static let defaultListen = "127.0.0.1:9464"

    public var listen = ServerConfig.defaultListen
    /// File holding the bearer token for write endpoints (and all endpoints beyond loopback).
    public var tokenFile: String?
    /// Request bodies above this are refused (413).
    public var maxBodyBytes = ServerOptions().maxBodyBytes
    /// Pushed events allowed to wait for the store before pushes get 429.
    public var ingestQueueEvents = IngestQueue.Options().capacityEvents
    /// Deadline and sample limit for the Prometheus API, the web UI and `infermon query`.
    public var queryTimeout = QueryLimits.servingTimeout
    public var maxSamplesPerQuery = QueryLimits.servingMaxSamples

    public init() {}

    public init(yaml value: YAMLValue) throws {
        let map = try value.mapping(allowed: [
            "listen", "auth", "max_body_bytes", "ingest_queue_events", "query_timeout", "max_samples_per_query",
        ])
        if let listen = map["listen"] {
            self.listen = try listen.string()
            do { _ = try hostAndPort() } catch {
                throw listen.error("expected host:port, such as \(Self.defaultListen)")
            }
        }
        if let auth = map["auth"] {
            let fields = try auth.mapping(allowed: ["token_file"])
            if let file = fields["token_file"] { tokenFile = try file.filePath() }
        }
        if let limit = map["max_body_bytes"] { maxBodyBytes = try limit.int(in: 1024...(1 << 30)) }
        if let queue = map["ingest_queue_events"] { ingestQueueEvents = try queue.int(in: 1...100_000_000) }
        if let timeout = map["query_timeout"] { queryTimeout = try timeout.positiveDuration() }
        if let samples = map["max_samples_per_query"] { maxSamplesPerQuery = try samples.int(in: 1...Int.max) }
    }

    public var queryLimits: QueryLimits { QueryLimits(timeout: queryTimeout, maxSamples: maxSamplesPerQuery) }

    /// Host and port of `listen`; `[::1]:9464` for IPv6.
    public func hostAndPort() throws -> (host: String, port: Int) {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
            (0...65535).contains(port)
        else { throw InfermonError.invalidArgument("server.listen \"\(listen)\" is not host:port") }
        var host = String(listen[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}
