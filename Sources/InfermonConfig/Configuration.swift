import Alerting
import Collectors
import Detectors
import InfermonCore
import Judge
import LLMOps
import Notify
import Quality
import Query
import Scrape

/// Everything `infermon serve` reads from its YAML file. Each section has
/// defaults, so an empty file (or none) gives a working daemon.
public struct Configuration: Sendable, Equatable {
    public var storage = StorageSection()
    public var server = ServerSection()
    /// Collectors' own options; every source takes its time policy from `storage`.
    public var sources = FileSourceOptions.defaultSources
    public var log = LogSection()
    public var notifications = NotificationsConfig()
    public var detectors = DetectorOptions()
    public var quality = QualityConfig()
    /// `quality.llm_judge`: the Judge module's, beside the quality options it serves.
    public var llmJudge: LLMJudgeOptions?
    public var pricing = PricingConfig()
    public var budgets: [Budget] = []
    public var slos: [ServiceLevelObjective] = []
    public var scrape = ScrapeConfig()
    public var rules = RulesConfig()
    /// Where the configuration came from, for messages; nil for the embedded defaults.
    public var file: String?

    public init() {}

    /// The rule engine's options: those of `rules`, with what other sections
    /// decide: the link alerts carry back (`notifications.external_url`, or this
    /// server) and the query limits of `server`.
    public var ruleEvaluation: RuleEvaluationOptions {
        var options = rules.evaluation
        options.externalURL = notifications.externalURL.isEmpty ? "http://\(server.listen)" : notifications.externalURL
        while options.externalURL.hasSuffix("/") { options.externalURL.removeLast() }
        options.queryLimits = QueryLimits(timeout: server.queryTimeout, maxSamples: server.maxSamplesPerQuery)
        return options
    }

    public struct StorageSection: Sendable, Equatable {
        /// nil means "$STATE_DIRECTORY/infermon.db, or ./infermon-data/infermon.db".
        public var path: String?
        public var rollupInterval: Int64 = 60_000
        public var retention = RetentionSection()
        public var retentionCheckInterval: Int64 = 300_000
        /// How far ahead of this host's clock an event may be stamped (`storage.future_tolerance`).
        public var futureTolerance: Int64 = TimestampPolicy.defaultFutureTolerance

        public init() {}

        /// The time policy every ingest path applies.
        public var timestamps: TimestampPolicy { TimestampPolicy(futureTolerance: futureTolerance) }

        /// The database path after applying the default rules.
        public func resolvedPath(environment: [String: String]) -> String {
            if let path { return path }
            if let state = environment["STATE_DIRECTORY"], !state.isEmpty {
                // systemd may pass several colon-separated directories; the first is ours.
                let first = state.split(separator: ":").first.map(String.init) ?? state
                return first + "/infermon.db"
            }
            return "./infermon-data/infermon.db"
        }
    }

    public struct RetentionSection: Sendable, Equatable {
        public var events: Int64 = 7 * 86_400_000
        public var rollups: Int64 = 90 * 86_400_000
        public var samples: Int64 = 90 * 86_400_000
        public var deadLetters: Int64 = 14 * 86_400_000
        public init() {}
    }

    public struct ServerSection: Sendable, Equatable {
        public var listen = "127.0.0.1:9464"
        /// File holding the bearer token for write endpoints (and all endpoints beyond loopback).
        public var tokenFile: String?
        /// Request bodies above this are refused (413).
        public var maxBodyBytes = 16 << 20
        /// Pushed events allowed to wait for the store before pushes get 429.
        public var ingestQueueEvents = 200_000
        /// Query deadline and sample limit for the Prometheus API and `infermon query`.
        public var queryTimeout: Int64 = 30_000
        public var maxSamplesPerQuery = 50_000_000
        public init() {}

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

    public struct LogSection: Sendable, Equatable {
        public enum Format: String, Sendable, CaseIterable { case logfmt, json }
        public var level = "info"
        public var format: Format = .logfmt
        public init() {}
    }
}
