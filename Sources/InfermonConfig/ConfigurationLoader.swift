import Alerting
import Canary
import Collectors
import Detectors
import InfermonCore
import Judge
import LLMOps
import Notify
import Performance
import Quality
import RemoteWrite
import Reports
import Scrape
import Server
import Store

/// Reads and validates a configuration file. Each section is decoded by the
/// module that owns it, into that module's own options; the loader composes
/// them and sets what one section decides for another. Validation is
/// all-or-nothing: nothing is half-applied, and every section's problems are
/// reported together (`ConfigurationProblems`), each with its file:line:col.
public enum ConfigurationLoader {
    public static func load(text: String, file: String) throws -> Configuration {
        let root = try YAMLValue.parse(text, file: file)
        var config = Configuration()
        config.file = file
        if root.isNull { return config }
        let top = try root.mapping(
            allowed: Set([
                "global", "storage", "server", "sources", "log", "notifications", "detectors", "quality", "performance",
                "pricing",
                "budgets", "slos", "scrape", "remote_write", "reports",
            ]).union(RulesConfig.keys).union(["canaries"]))
        // Each section on its own, so one mistake does not hide the next.
        var problems = ProblemCollector()
        if let global = top["global"] { problems.check { config.global = try GlobalConfig(yaml: global) } }
        if let storage = top["storage"] { problems.check { config.storage = try StorageConfig(yaml: storage) } }
        if let server = top["server"] { problems.check { config.server = try ServerConfig(yaml: server) } }
        if let sources = top["sources"] {
            problems.check { config.sources = try FileSourceOptions.list(yaml: sources) }
        }
        if let log = top["log"] { problems.check { config.log = try parseLog(log) } }
        if let notifications = top["notifications"] {
            problems.check { config.notifications = try NotificationsConfig(yaml: notifications) }
        }
        if let detectors = top["detectors"] {
            problems.check { config.detectors = try DetectorOptions(yaml: detectors) }
        }
        if let quality = top["quality"] {
            problems.check {
                let map = try quality.mapping(allowed: QualityConfig.keys.union(["llm_judge"]))
                config.quality = try QualityConfig(yaml: map)
                config.llmJudge = try map["llm_judge"].map(LLMJudgeOptions.init(yaml:))
                if map["gold"] != nil, config.quality.enabled {
                    config.labelJoins["quality.gold.label"] = config.quality.options.gold.labelName
                }
            }
        }
        if let performance = top["performance"] {
            problems.check {
                config.performance = try PerformanceOptions(yaml: performance)
                if config.performance.enabled { config.labelJoins["performance.label"] = config.performance.labelName }
            }
        }
        if let pricing = top["pricing"] { problems.check { config.pricing = try PricingConfig(yaml: pricing) } }
        if let budgets = top["budgets"] { problems.check { config.budgets = try Budget.list(yaml: budgets) } }
        if let slos = top["slos"] { problems.check { config.slos = try ServiceLevelObjective.list(yaml: slos) } }
        if let scrape = top["scrape"] { problems.check { config.scrape = try ScrapeConfig(yaml: scrape) } }
        if let remote = top["remote_write"] {
            problems.check { config.remoteWrite = try RemoteWriteConfig(yaml: remote) }
        }
        if let reports = top["reports"] {
            problems.check {
                config.reports = try ReportsConfig(yaml: reports)
                // A report goes to a receiver's webhooks, through the notification outbox.
                for receiver in config.reports.receivers.sorted() {
                    let integrations = config.notifications.receivers.first { $0.name == receiver }?.integrations
                    guard let integrations, integrations.contains(where: { $0.config.kind == .webhook }) else {
                        throw reports.error(
                            "report receiver \"\(receiver)\" is not a receiver with a webhook"
                                + " in notifications.receivers")
                    }
                }
            }
        }
        if let canaries = top["canaries"] { problems.check { config.canaries = try CanaryConfig(yaml: canaries) } }
        problems.check { config.rules = try RulesConfig(yaml: top) }
        try problems.throwIfAny()
        // What crosses sections: every file source applies the storage time policy,
        // and the quality service keeps as many judge calls in flight as the judge allows.
        for index in config.sources.indices { config.sources[index].timestamps = config.storage.timestamps }
        if let judge = config.llmJudge { config.quality.options.llmConcurrency = judge.concurrency }
        return config
    }

    public static func load(path: String) throws -> Configuration {
        let text: String
        do {
            text = try readTextFile(path)
        } catch {
            throw InfermonError.io("cannot read config \(path): \(error)")
        }
        return try load(text: text, file: path)
    }

    private static func parseLog(_ value: YAMLValue) throws -> Configuration.LogSection {
        let map = try value.mapping(allowed: ["level", "format"])
        var section = Configuration.LogSection()
        if let level = map["level"] {
            section.level = try level.oneOf(["trace", "debug", "info", "notice", "warning", "error", "critical"])
        }
        if let format = map["format"] {
            section.format = Configuration.LogSection.Format(
                rawValue: try format.oneOf(Configuration.LogSection.Format.allCases.map(\.rawValue)))!
        }
        return section
    }
}
