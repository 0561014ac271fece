import InfermonCore

/// Reads the `notifications:` section, in Alertmanager's vocabulary where it
/// has one (`route`, `group_by`, `matchers`, `*_configs`, `inhibit_rules`).
enum NotificationsParser {
    static let integrationKeys: [String: Configuration.IntegrationSection.Kind] = [
        "webhook_configs": .webhook, "slack_configs": .slack, "discord_configs": .discord,
        "teams_configs": .teams, "msteamsv2_configs": .teams, "alertmanager_configs": .alertmanager,
    ]

    static func parse(_ value: YAMLValue) throws -> Configuration.NotificationsSection {
        let map = try value.mapping(allowed: [
            "route", "receivers", "inhibit_rules", "outbox", "external_url", "notification_log_retention",
            "silence_retention",
        ])
        var section = Configuration.NotificationsSection()
        if let url = map["external_url"] { section.externalURL = try url.string() }
        if let retention = map["notification_log_retention"] {
            section.notificationLogRetention = try positiveDuration(retention)
        }
        if let retention = map["silence_retention"] { section.silenceRetention = try positiveDuration(retention) }
        if let receivers = map["receivers"] { section.receivers = try parseReceivers(receivers) }
        if let rules = map["inhibit_rules"] { section.inhibitRules = try rules.sequence().map(parseInhibitRule) }
        if let outbox = map["outbox"] { section.outbox = try parseOutbox(outbox) }
        if let routeValue = map["route"] {
            let route = try parseRoute(routeValue, known: Set(section.receivers.map(\.name)))
            guard route.receiver != nil else { throw routeValue.error("the root route needs a receiver") }
            guard route.matchers.isEmpty else { throw routeValue.error("the root route must not have matchers") }
            section.route = route
        } else if !section.receivers.isEmpty {
            throw value.error("receivers are configured but there is no route to reach them")
        }
        return section
    }

    private static func parseRoute(_ value: YAMLValue, known: Set<String>) throws -> Configuration.RouteSection {
        let map = try value.mapping(allowed: [
            "receiver", "group_by", "group_wait", "group_interval", "repeat_interval", "matchers", "match",
            "match_re", "continue", "routes",
        ])
        var route = Configuration.RouteSection()
        if let receiver = map["receiver"] {
            let name = try receiver.string()
            guard known.contains(name) else { throw receiver.error("unknown receiver \"\(name)\"") }
            route.receiver = name
        }
        if let groupBy = map["group_by"] {
            let names = try groupBy.stringList()
            if names.contains("..."), names.count > 1 { throw groupBy.error("\"...\" cannot be combined with labels") }
            route.groupBy = names
        }
        if let wait = map["group_wait"] { route.groupWait = try wait.duration() }
        if let interval = map["group_interval"] { route.groupInterval = try positiveDuration(interval) }
        if let interval = map["repeat_interval"] { route.repeatInterval = try positiveDuration(interval) }
        if let matchers = map["matchers"] { route.matchers += try parseMatchers(matchers) }
        if let match = map["match"] {
            for (name, text) in try match.entries() { route.matchers.append(.equal(name, try text.string())) }
        }
        if let match = map["match_re"] {
            for (name, text) in try match.entries() {
                do {
                    route.matchers.append(try LabelMatcher(name, .matchRegex, try text.string()))
                } catch let error as InfermonError {
                    throw text.error(error.message)
                }
            }
        }
        if let flag = map["continue"] { route.continueMatching = try flag.bool() }
        if let routes = map["routes"] { route.routes = try routes.sequence().map { try parseRoute($0, known: known) } }
        return route
    }

    /// Matchers as a list of strings (`- severity="critical"`) or one string.
    static func parseMatchers(_ value: YAMLValue) throws -> [LabelMatcher] {
        try value.sequenceOrSingle().flatMap { item -> [LabelMatcher] in
            do {
                return try LabelMatcher.parseList(try item.string())
            } catch let error as InfermonError where error.location == nil {
                throw item.error(error.message)
            }
        }
    }

    private static func parseReceivers(_ value: YAMLValue) throws -> [Configuration.ReceiverSection] {
        var names: Set<String> = []
        return try value.sequence().map { item in
            let map = try item.mapping(allowed: Set(["name"]).union(integrationKeys.keys))
            let nameValue = try map.required("name")
            let name = try nameValue.string()
            guard !name.isEmpty, !name.contains("/"), names.insert(name).inserted else {
                throw nameValue.error("receiver names must be unique, non-empty and without /")
            }
            var receiver = Configuration.ReceiverSection(name: name)
            for key in map.keys where key != "name" {
                guard let kind = integrationKeys[key], let list = map[key] else { continue }
                receiver.integrations += try list.sequence().map { try parseIntegration($0, kind: kind) }
            }
            return receiver
        }
    }

    private static func parseIntegration(_ value: YAMLValue, kind: Configuration.IntegrationSection.Kind) throws
        -> Configuration.IntegrationSection
    {
        var allowed: Set<String> = [
            "url", "url_file", "secret_file", "secret_env", "timeout", "send_resolved", "rate_limit",
        ]
        switch kind {
        case .webhook: allowed.insert("max_alerts")
        case .slack, .teams: allowed.insert("max_alerts_shown")
        case .discord: allowed.insert("username")
        case .alertmanager: allowed.insert("resend_interval")
        }
        let map = try value.mapping(allowed: allowed)
        let url: Configuration.SecretSource
        switch (map["url"], map["url_file"]) {
        case (let inline?, nil):
            let text = try inline.string()
            guard text.hasPrefix("http://") || text.hasPrefix("https://") else {
                throw inline.error("only http:// and https:// URLs are allowed")
            }
            url = .inline(text)
        case (nil, let file?):
            url = .file(try file.filePath(), at: file.location)
        default:
            throw value.error("give exactly one of url and url_file")
        }
        var integration = Configuration.IntegrationSection(kind: kind, url: url)
        switch (map["secret_file"], map["secret_env"]) {
        case (let file?, nil): integration.secret = .file(try file.filePath(), at: file.location)
        case (nil, let env?): integration.secret = .environment(try env.string(), at: env.location)
        case (nil, nil): break
        default: throw value.error("give at most one of secret_file and secret_env")
        }
        if let timeout = map["timeout"] { integration.timeout = try positiveDuration(timeout) }
        if let flag = map["send_resolved"] { integration.sendResolved = try flag.bool() }
        if let limit = map["rate_limit"] { integration.rateLimit = try parseRate(limit) }
        if let maxAlerts = map["max_alerts"] { integration.maxAlerts = try maxAlerts.int(in: 0...100_000) }
        if let shown = map["max_alerts_shown"] { integration.maxAlertsShown = try shown.int(in: 1...45) }
        if let username = map["username"] { integration.username = try username.string() }
        if let resend = map["resend_interval"] { integration.resendInterval = try positiveDuration(resend) }
        return integration
    }

    /// `1/s`, `30/m`, `2/s` with an optional burst: `5/s burst 10`.
    private static func parseRate(_ value: YAMLValue) throws -> (perSecond: Double, burst: Int) {
        let words = try value.string().split(separator: " ").map(String.init)
        let parts = words.first?.split(separator: "/").map(String.init) ?? []
        guard parts.count == 2, let count = Double(parts[0]), count > 0,
            let seconds = ["s": 1.0, "m": 60.0, "h": 3600.0][parts[1]]
        else { throw value.error("expected a rate such as 1/s or 30/m") }
        var burst = 1
        if words.count == 3, words[1] == "burst", let parsed = Int(words[2]), parsed >= 1 {
            burst = parsed
        } else if words.count != 1 {
            throw value.error("expected a rate such as 1/s, optionally followed by burst N")
        }
        return (count / seconds, burst)
    }

    private static func parseInhibitRule(_ value: YAMLValue) throws -> Configuration.InhibitRuleSection {
        let map = try value.mapping(allowed: ["source_matchers", "target_matchers", "equal"])
        var rule = Configuration.InhibitRuleSection()
        rule.sourceMatchers = try parseMatchers(try map.required("source_matchers"))
        rule.targetMatchers = try parseMatchers(try map.required("target_matchers"))
        if let equal = map["equal"] { rule.equal = try equal.stringList() }
        return rule
    }

    private static func parseOutbox(_ value: YAMLValue) throws -> Configuration.OutboxSection {
        let map = try value.mapping(allowed: ["ttl", "initial_backoff", "max_backoff", "jitter"])
        var outbox = Configuration.OutboxSection()
        if let ttl = map["ttl"] { outbox.ttl = try positiveDuration(ttl) }
        if let initial = map["initial_backoff"] { outbox.initialBackoff = try positiveDuration(initial) }
        if let maximum = map["max_backoff"] { outbox.maxBackoff = try positiveDuration(maximum) }
        guard outbox.maxBackoff >= outbox.initialBackoff else {
            throw value.error("max_backoff must not be shorter than initial_backoff")
        }
        if let jitter = map["jitter"] {
            outbox.jitter = try jitter.double()
            guard (0...1).contains(outbox.jitter) else { throw jitter.error("jitter must be between 0 and 1") }
        }
        return outbox
    }

    private static func positiveDuration(_ value: YAMLValue) throws -> Int64 {
        let millis = try value.duration()
        guard millis > 0 else { throw value.error("must be longer than zero") }
        return millis
    }
}
