import InfermonCore

/// Reads and validates a configuration file. Validation is all-or-nothing:
/// nothing is half-applied, and every section's problems are reported together
/// (`ConfigurationProblems`), each with its file:line:col.
public enum ConfigurationLoader {
    /// Names a profile may have; the collectors module owns the list, so it is passed in.
    public static func load(text: String, file: String, profiles: [String]) throws -> Configuration {
        let root = try YAMLValue.parse(text, file: file)
        var config = Configuration()
        config.file = file
        if root.isNull { return config }
        let top = try root.mapping(
            allowed: Set([
                "storage", "server", "sources", "log", "notifications", "detectors", "quality", "pricing", "budgets",
                "slos", "scrape",
            ]).union(RulesSection.keys))
        // Each section on its own, so one mistake does not hide the next.
        var problems = ProblemCollector()
        if let storage = top["storage"] { problems.check { config.storage = try parseStorage(storage) } }
        if let server = top["server"] { problems.check { config.server = try parseServer(server) } }
        if let sources = top["sources"] {
            problems.check { config.sources = try parseSources(sources, profiles: profiles) }
        }
        if let log = top["log"] { problems.check { config.log = try parseLog(log) } }
        if let notifications = top["notifications"] {
            problems.check { config.notifications = try NotificationsParser.parse(notifications) }
        }
        if let detectors = top["detectors"] {
            problems.check { config.detectors = try DetectorsSection.parse(detectors) }
        }
        if let quality = top["quality"] { problems.check { config.quality = try parseQuality(quality) } }
        if let pricing = top["pricing"] { problems.check { config.pricing = try .parse(pricing) } }
        if let budgets = top["budgets"] {
            problems.check { config.budgets = try Configuration.BudgetSection.parseList(budgets) }
        }
        if let slos = top["slos"] { problems.check { config.slos = try Configuration.SLOSection.parseList(slos) } }
        if let scrape = top["scrape"] { problems.check { config.scrape = try ScrapeSection.parse(scrape) } }
        problems.check { config.rules = try RulesSection.parse(top) }
        try problems.throwIfAny()
        return config
    }

    public static func load(path: String, profiles: [String]) throws -> Configuration {
        let text: String
        do {
            text = try readTextFile(path)
        } catch {
            throw InfermonError.io("cannot read config \(path): \(error)")
        }
        return try load(text: text, file: path, profiles: profiles)
    }

    private static func parseStorage(_ value: YAMLValue) throws -> Configuration.StorageSection {
        let map = try value.mapping(allowed: [
            "path", "rollup_interval", "retention", "retention_check_interval", "future_tolerance",
        ])
        var section = Configuration.StorageSection()
        if let path = map["path"] { section.path = try path.filePath() }
        if let interval = map["rollup_interval"] {
            let millis = try interval.duration()
            guard millis >= 1000, 86_400_000 % millis == 0 else {
                throw interval.error("rollup_interval must be at least 1s and divide a day evenly")
            }
            section.rollupInterval = millis
        }
        if let check = map["retention_check_interval"] { section.retentionCheckInterval = try positive(check) }
        if let tolerance = map["future_tolerance"] { section.futureTolerance = try tolerance.duration() }
        if let retention = map["retention"] {
            let fields = try retention.mapping(allowed: ["events", "rollups", "samples", "dead_letters"])
            if let events = fields["events"] { section.retention.events = try positive(events) }
            if let rollups = fields["rollups"] { section.retention.rollups = try positive(rollups) }
            if let samples = fields["samples"] { section.retention.samples = try positive(samples) }
            if let letters = fields["dead_letters"] { section.retention.deadLetters = try positive(letters) }
        }
        return section
    }

    private static func parseServer(_ value: YAMLValue) throws -> Configuration.ServerSection {
        let map = try value.mapping(allowed: [
            "listen", "auth", "max_body_bytes", "ingest_queue_events", "query_timeout", "max_samples_per_query",
        ])
        var section = Configuration.ServerSection()
        if let listen = map["listen"] {
            section.listen = try listen.string()
            do { _ = try section.hostAndPort() } catch {
                throw listen.error("expected host:port, such as 127.0.0.1:9464")
            }
        }
        if let auth = map["auth"] {
            let fields = try auth.mapping(allowed: ["token_file"])
            if let file = fields["token_file"] { section.tokenFile = try file.filePath() }
        }
        if let limit = map["max_body_bytes"] { section.maxBodyBytes = try limit.int(in: 1024...(1 << 30)) }
        if let queue = map["ingest_queue_events"] { section.ingestQueueEvents = try queue.int(in: 1...100_000_000) }
        if let timeout = map["query_timeout"] { section.queryTimeout = try positive(timeout) }
        if let samples = map["max_samples_per_query"] { section.maxSamplesPerQuery = try samples.int(in: 1...Int.max) }
        return section
    }

    private static func parseSources(_ value: YAMLValue, profiles: [String]) throws -> [Configuration.SourceSection] {
        var names: Set<String> = []
        var problems = ProblemCollector()
        var sections: [Configuration.SourceSection] = []
        for item in try value.sequence() {
            problems.check { sections.append(try parseSource(item, names: &names, profiles: profiles)) }
        }
        try problems.throwIfAny()
        return sections
    }

    private static func parseSource(_ item: YAMLValue, names: inout Set<String>, profiles: [String]) throws
        -> Configuration.SourceSection
    {
        let map = try item.mapping(allowed: [
            "name", "type", "paths", "profile", "max_line_bytes", "poll_interval", "rotated_idle_polls",
            "batch_events",
        ])
        let nameValue = try map.required("name")
        let name = try nameValue.string()
        guard !name.isEmpty, names.insert(name).inserted else {
            throw nameValue.error("source names must be unique and non-empty")
        }
        let pathsValue = try map.required("paths")
        let paths = try pathsValue.filePathList()
        guard !paths.isEmpty else { throw pathsValue.error("at least one path or glob is needed") }
        var section = Configuration.SourceSection(name: name, paths: paths)
        if let kind = map["type"] {
            section.kind = Configuration.SourceSection.Kind(
                rawValue: try kind.oneOf(Configuration.SourceSection.Kind.allCases.map(\.rawValue)))!
        }
        if let profile = map["profile"] { section.profile = try profile.oneOf(profiles) }
        if let maxLine = map["max_line_bytes"] { section.maxLineBytes = try maxLine.int(in: 64...(256 << 20)) }
        if let poll = map["poll_interval"] { section.pollInterval = try positive(poll) }
        if let idle = map["rotated_idle_polls"] { section.rotatedIdlePolls = try idle.int(in: 1...100_000) }
        if let batch = map["batch_events"] { section.batchEvents = try batch.int(in: 1...1_000_000) }
        return section
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

    private static func positive(_ value: YAMLValue) throws -> Int64 {
        let millis = try value.duration()
        guard millis > 0 else { throw value.error("must be longer than zero") }
        return millis
    }
}
