import InfermonCore
public import InfermonYAML

/// Reads the `notifications:` section.
///
/// ```yaml
/// notifications:
///   external_url: http://infermon.example:9464
///   route:
///     receiver: team
///     group_by: [alertname, model]
///     routes:
///       - matchers: ['severity="critical"']
///         receiver: pager
///   receivers:
///     - name: team
///       slack_configs:
///         - url_file: /etc/infermon/slack-url
///   inhibit_rules:
///     - {source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: [model]}
///   outbox: {ttl: 1d, initial_backoff: 1s, max_backoff: 5m, jitter: 0.2}
/// ```
extension NotificationsConfig {
    static let integrationKeys: [String: IntegrationKind] = [
        "webhook_configs": .webhook, "slack_configs": .slack, "discord_configs": .discord,
        "teams_configs": .teams, "msteamsv2_configs": .teams, "alertmanager_configs": .alertmanager,
    ]

    public init(yaml value: YAMLValue) throws {
        let map = try value.mapping(allowed: [
            "route", "receivers", "inhibit_rules", "outbox", "external_url", "notification_log_retention",
            "silence_retention",
        ])
        if let url = map["external_url"] { externalURL = try url.string() }
        if let retention = map["notification_log_retention"] {
            notificationLogRetention = try retention.positiveDuration()
        }
        if let retention = map["silence_retention"] { silenceRetention = try retention.positiveDuration() }
        if let receivers = map["receivers"] { self.receivers = try Self.receivers(receivers) }
        if let rules = map["inhibit_rules"] { inhibitRules = try rules.sequence().map(Self.inhibitRule) }
        if let outbox = map["outbox"] { self.outbox = try Self.outbox(outbox) }
        if let routeValue = map["route"] {
            let route = try Self.route(routeValue, known: Set(receivers.map(\.name)))
            guard route.receiver != nil else { throw routeValue.error("the root route needs a receiver") }
            guard route.matchers.isEmpty else { throw routeValue.error("the root route must not have matchers") }
            self.route = route
        } else if !receivers.isEmpty {
            throw value.error("receivers are configured but there is no route to reach them")
        }
    }

    private static func route(_ value: YAMLValue, known: Set<String>) throws -> RouteSpec {
        let map = try value.mapping(allowed: [
            "receiver", "group_by", "group_wait", "group_interval", "repeat_interval", "matchers", "match",
            "match_re", "continue", "routes",
        ])
        var route = RouteSpec()
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
        if let interval = map["group_interval"] { route.groupInterval = try interval.positiveDuration() }
        if let interval = map["repeat_interval"] { route.repeatInterval = try interval.positiveDuration() }
        if let matchers = map["matchers"] { route.matchers += try Self.matchers(matchers) }
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
        if let routes = map["routes"] { route.routes = try routes.sequence().map { try Self.route($0, known: known) } }
        return route
    }

    /// Matchers as a list of strings (`- severity="critical"`) or one string.
    private static func matchers(_ value: YAMLValue) throws -> [LabelMatcher] {
        try value.sequenceOrSingle().flatMap { item -> [LabelMatcher] in
            do {
                return try LabelMatcher.parseList(try item.string())
            } catch let error as InfermonError where error.location == nil {
                throw item.error(error.message)
            }
        }
    }

    private static func receivers(_ value: YAMLValue) throws -> [Receiver] {
        var names: Set<String> = []
        return try value.sequence().map { item in
            let map = try item.mapping(allowed: Set(["name"]).union(integrationKeys.keys))
            let nameValue = try map.required("name")
            let name = try nameValue.string()
            guard !name.isEmpty, !name.contains("/"), names.insert(name).inserted else {
                throw nameValue.error("receiver names must be unique, non-empty and without /")
            }
            var receiver = Receiver(name: name)
            for key in map.keys where key != "name" {
                guard let kind = integrationKeys[key], let list = map[key] else { continue }
                receiver.integrations += try list.sequence().map { try integration($0, kind: kind) }
            }
            return receiver
        }
    }

    private static func integration(_ value: YAMLValue, kind: IntegrationKind) throws -> Integration {
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
        let url: SecretSource
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
        let secret: SecretSource?
        switch (map["secret_file"], map["secret_env"]) {
        case (let file?, nil): secret = .file(try file.filePath(), at: file.location)
        case (nil, let env?): secret = .environment(try env.string(), at: env.location)
        case (nil, nil): secret = nil
        default: throw value.error("give at most one of secret_file and secret_env")
        }
        var endpoint = EndpointConfig(url: "")
        if let timeout = map["timeout"] { endpoint.timeout = try timeout.positiveDuration() }
        // As in Alertmanager, Slack does not send resolved alerts unless asked.
        endpoint.sendResolved = try map["send_resolved"]?.bool() ?? (kind != .slack)
        if let limit = map["rate_limit"] { endpoint.rateLimit = try rate(limit) }
        let config: IntegrationConfig
        switch kind {
        case .webhook:
            var webhook = WebhookConfig(endpoint: endpoint)
            if let maxAlerts = map["max_alerts"] { webhook.maxAlerts = try maxAlerts.int(in: 0...100_000) }
            config = .webhook(webhook)
        case .slack:
            var slack = SlackConfig(endpoint: endpoint)
            if let shown = map["max_alerts_shown"] { slack.maxAlertsShown = try shown.int(in: 1...45) }
            config = .slack(slack)
        case .teams:
            var teams = TeamsConfig(endpoint: endpoint)
            if let shown = map["max_alerts_shown"] { teams.maxAlertsShown = try shown.int(in: 1...45) }
            config = .teams(teams)
        case .discord:
            config = .discord(DiscordConfig(endpoint: endpoint, username: try map["username"]?.string()))
        case .alertmanager:
            var alertmanager = AlertmanagerConfig(endpoint: endpoint)
            if let resend = map["resend_interval"] { alertmanager.resendInterval = try resend.positiveDuration() }
            config = .alertmanager(alertmanager)
        }
        return Integration(url: url, secret: secret, config: config)
    }

    /// `1/s`, `30/m`, `2/s` with an optional burst: `5/s burst 10`.
    private static func rate(_ value: YAMLValue) throws -> RateLimit {
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
        return RateLimit(perSecond: count / seconds, burst: burst)
    }

    private static func inhibitRule(_ value: YAMLValue) throws -> InhibitRule {
        let map = try value.mapping(allowed: ["source_matchers", "target_matchers", "equal"])
        return InhibitRule(
            sourceMatchers: try matchers(try map.required("source_matchers")),
            targetMatchers: try matchers(try map.required("target_matchers")),
            equal: try map["equal"]?.stringList() ?? [])
    }

    private static func outbox(_ value: YAMLValue) throws -> OutboxOptions {
        let map = try value.mapping(allowed: ["ttl", "initial_backoff", "max_backoff", "jitter"])
        var outbox = OutboxOptions()
        if let ttl = map["ttl"] { outbox.ttl = try ttl.positiveDuration() }
        if let initial = map["initial_backoff"] { outbox.initialBackoff = try initial.positiveDuration() }
        if let maximum = map["max_backoff"] { outbox.maxBackoff = try maximum.positiveDuration() }
        guard outbox.maxBackoff >= outbox.initialBackoff else {
            throw value.error("max_backoff must not be shorter than initial_backoff")
        }
        if let jitter = map["jitter"] {
            outbox.jitter = try jitter.double()
            guard (0...1).contains(outbox.jitter) else { throw jitter.error("jitter must be between 0 and 1") }
        }
        return outbox
    }
}
