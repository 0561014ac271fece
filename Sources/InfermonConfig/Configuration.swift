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
import Store

/// Everything `infermon serve` reads from its YAML file. Each section has
/// defaults, so an empty file (or none) gives a working daemon.
public struct Configuration: Sendable, Equatable {
    /// `global:`: external labels and the replica label, read by every stage that talks outward.
    public var global = GlobalConfig()
    public var storage = StorageConfig()
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
    /// decide: the external labels of `global` but its replica label (which
    /// must not reach alerts, see `GlobalConfig`), the link alerts carry back
    /// (`notifications.external_url`, or this server) and the query limits of `server`.
    public var ruleEvaluation: RuleEvaluationOptions {
        var options = rules.evaluation
        options.externalLabels = global.alertLabels
        options.externalURL = notifications.externalURL.isEmpty ? "http://\(server.listen)" : notifications.externalURL
        while options.externalURL.hasSuffix("/") { options.externalURL.removeLast() }
        options.queryLimits = QueryLimits(timeout: server.queryTimeout, maxSamples: server.maxSamplesPerQuery)
        return options
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
