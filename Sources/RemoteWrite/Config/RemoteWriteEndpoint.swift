public import InfermonCore
import InfermonYAML

/// One receiver of remote write (one entry of `remote_write:`), with
/// Prometheus's names and defaults where they mean the same here.
public struct RemoteWriteEndpoint: Sendable, Equatable {
    public var url: String
    /// The `remote_name` label of the self-metrics and the queue's key in the
    /// store; by default derived from the URL, so it survives restarts.
    public var name: String
    public var timeout: Duration = .seconds(30)
    public var headers: [String: String] = [:]
    public var bearerTokenFile: String?
    public var basicAuth: BasicAuth?
    /// Added to every series that lacks the label (the `global:` section's, set by the loader).
    public var externalLabels = Labels()
    public var relabel: [WriteRelabelRule] = []
    public var queue = QueueOptions()

    public struct BasicAuth: Sendable, Equatable {
        public var username: String
        public var passwordFile: String
    }

    /// `queue_config`: Prometheus's names; `capacity` bounds the durable queue here
    /// (Prometheus bounds its in-memory shards and lets the WAL hold the rest).
    public struct QueueOptions: Sendable, Equatable {
        /// Samples kept queued at most; past it the oldest batches are dropped and counted.
        public var capacity = 2_500_000
        public var maxSamplesPerSend = 2000
        /// How often new intervals are read from the store and queued.
        public var sendInterval: Duration = .seconds(5)
        public var minBackoff: Duration = .milliseconds(30)
        public var maxBackoff: Duration = .seconds(5)
        /// How long after an interval ends it is read: events and rule results
        /// stamped inside it have this long to arrive. Later ones are not sent.
        public var delay: Duration = .seconds(15)
        public init() {}
    }

    public init(url: String, name: String? = nil) {
        self.url = url
        self.name = name ?? Self.defaultName(url: url)
    }

    /// The first 6 hex digits of a stable hash of the URL, as Prometheus names unnamed queues.
    public static func defaultName(url: String) -> String {
        var hash = FNV1a()
        hash.combine(url.utf8)
        return String(String(hash.value, radix: 16).suffix(6))
    }

    static let keys: Set<String> = [
        "url", "name", "remote_timeout", "headers", "bearer_token_file", "basic_auth", "write_relabel_configs",
        "queue_config",
    ]

    init(yaml value: YAMLValue) throws {
        let map = try value.mapping(allowed: Self.keys)
        let urlValue = try map.required("url")
        let url = try urlValue.string()
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw urlValue.error("url must be an http:// or https:// URL")
        }
        self.init(url: url, name: try map["name"]?.string())
        if let timeout = map["remote_timeout"] { self.timeout = try timeout.positiveDuration() }
        if let headers = map["headers"] {
            for (key, header) in try headers.entries() {
                let lower = key.lowercased()
                // The protocol's own headers are not the user's to change, as in Prometheus.
                guard !Self.reservedHeaders.contains(lower) else {
                    throw header.error("header \(key) is set by remote write itself")
                }
                self.headers[key] = try header.expandedString()
            }
        }
        if let file = map["bearer_token_file"] { bearerTokenFile = try file.filePath() }
        if let auth = map["basic_auth"] {
            let fields = try auth.mapping(allowed: ["username", "password_file"])
            basicAuth = BasicAuth(
                username: try fields.required("username").string(),
                passwordFile: try fields.required("password_file").filePath())
            if bearerTokenFile != nil { throw auth.error("set bearer_token_file or basic_auth, not both") }
        }
        relabel = try (map["write_relabel_configs"]?.sequence() ?? []).map(WriteRelabelRule.init(yaml:))
        if let queue = map["queue_config"] { self.queue = try QueueOptions(yaml: queue) }
    }

    static let reservedHeaders: Set<String> = [
        "content-encoding", "content-type", "content-length", "x-prometheus-remote-write-version", "user-agent",
        "authorization", "host",
    ]
}

extension RemoteWriteEndpoint.QueueOptions {
    init(yaml value: YAMLValue) throws {
        let map = try value.mapping(allowed: [
            "capacity", "max_samples_per_send", "send_interval", "min_backoff", "max_backoff", "delay",
        ])
        self.init()
        if let capacity = map["capacity"] { self.capacity = try capacity.int(in: 1...1_000_000_000) }
        if let size = map["max_samples_per_send"] { maxSamplesPerSend = try size.int(in: 1...1_000_000) }
        if let interval = map["send_interval"] { sendInterval = try interval.positiveDuration() }
        if let backoff = map["min_backoff"] { minBackoff = try backoff.positiveDuration() }
        if let backoff = map["max_backoff"] { maxBackoff = try backoff.positiveDuration() }
        if let delay = map["delay"] { self.delay = try delay.duration() }
        guard minBackoff <= maxBackoff else { throw value.error("min_backoff is longer than max_backoff") }
    }
}
