public import Alerting
public import Canary
public import Collectors
public import Detectors
public import InfermonCore
public import Judge
public import LLMOps
public import Notify
public import Performance
public import Quality
import Query
public import RemoteWrite
public import Reports
public import Scrape
public import Server
public import Store

/// Everything `infermon serve` reads from its YAML file. Each section has
/// defaults, so an empty file (or none) gives a working daemon.
public struct Configuration: Sendable, Equatable {
    /// `global:`: external labels and the replica label, read by every stage that talks outward.
    public var global = GlobalConfig()
    public var storage = StorageConfig()
    public var server = ServerConfig()
    /// Collectors' own options; every source takes its time policy from `storage`.
    public var sources = FileSourceOptions.defaultSources
    public var log = LogSection()
    public var notifications = NotificationsConfig()
    public var detectors = DetectorOptions()
    public var quality = QualityConfig()
    /// `performance:`: model performance from late labels (the Performance module's options).
    public var performance = PerformanceOptions()
    /// `canaries:`: rollouts the daemon gives verdicts on (the Canary module's).
    public var canaries = CanaryConfig()
    /// `quality.llm_judge`: the Judge module's, beside the quality options it serves.
    public var llmJudge: LLMJudgeOptions?
    public var pricing = PricingConfig()
    public var budgets: [Budget] = []
    public var slos: [ServiceLevelObjective] = []
    public var scrape = ScrapeConfig()
    public var rules = RulesConfig()
    /// `remote_write:` as written; `remoteWriteConfiguration` is what runs.
    public var remoteWrite = RemoteWriteConfig()
    /// `reports:`: monitoring reports made on a schedule.
    public var reports = ReportsConfig()
    /// The stages this file sets up to join truth labels, by setting: `performance.label`
    /// (a `performance:` section, enabled) and `quality.gold.label` (a `quality.gold`).
    public var labelJoins: [String: String] = [:]
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
        options.queryLimits = server.queryLimits
        return options
    }

    /// What a label posted or imported without a `name` is called: the label name of
    /// the one stage the file sets up to join labels (`performance:` or `quality.gold`);
    /// with both or neither the name is required, and the refusal says which names exist.
    public var truthLabelNaming: TruthLabelNaming {
        let names = Set(labelJoins.values)
        if names.count == 1 { return .fixed(names.first!) }
        let outcome = performance.labelName
        let gold = quality.options.gold.labelName
        if labelJoins.isEmpty {
            return TruthLabelNaming(
                defaultName: nil,
                missing: "give \"name\": \"\(outcome)\" for model performance (performance.label),"
                    + " \"\(gold)\" for the hallucination rate's gold labels (quality.gold.label);"
                    + " it defaults only when the configuration sets up one of performance: and quality.gold")
        }
        let listed = labelJoins.sorted { $0.key < $1.key }.map { "\"\($0.value)\" (\($0.key))" }
        return TruthLabelNaming(
            defaultName: nil,
            missing: "this configuration joins labels named " + listed.joined(separator: " and ") + "; say which")
    }

    /// Remote write as it runs: every endpoint adds all of `global`'s external
    /// labels, the replica label too (a receiver's HA tracker picks one replica by it).
    public var remoteWriteConfiguration: RemoteWriteConfig { remoteWrite.with(externalLabels: global.externalLabels) }

    /// `log:`: how the daemon logs, which only the process that bootstraps
    /// logging reads, so it stays with the composition rather than a stage.
    public struct LogSection: Sendable, Equatable {
        public enum Format: String, Sendable, CaseIterable { case logfmt, json }
        public var level = "info"
        public var format: Format = .logfmt
        public init() {}
    }
}
