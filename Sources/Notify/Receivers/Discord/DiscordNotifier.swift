import InfermonCore

/// A Discord channel webhook: one embed per message, red while firing and
/// green once resolved, with the alerts as fields.
public struct DiscordConfig: Sendable, Equatable {
    public var endpoint: EndpointConfig
    /// Shown as the message author instead of the webhook's default name.
    public var username: String?

    public init(endpoint: EndpointConfig, username: String? = nil) {
        self.endpoint = endpoint
        self.username = username
    }
}

struct DiscordNotifier: Notifier {
    let integration: String
    let config: DiscordConfig
    let url: EndpointURL
    let transport: WebhookTransport

    var sendResolved: Bool { config.endpoint.sendResolved }
    var rateLimit: RateLimit? { config.endpoint.rateLimit ?? .discord }

    static let firingColor = 0xE7_4C3C
    static let resolvedColor = 0x2E_CC71

    func render(_ group: NotificationGroup) throws -> [UInt8] {
        PayloadJSON.bytes(Self.payload(group, username: config.username))
    }

    func notify(_ message: OutboxMessage) async -> DeliveryResult {
        await transport.post(message.body, to: url, messageID: message.id, endpoint: config.endpoint)
    }

    /// Discord limits: title 256 characters, description 4096, 25 fields of
    /// 256-character names and 1024-character values.
    static func payload(_ group: NotificationGroup, username: String?) -> JSONValue {
        let shown = group.alerts.prefix(24)
        var fields: [JSONValue] = shown.map { alert in
            var value = AlertText.summary(alert)
            let labels = AlertText.labelList(alert.labels)
            if !labels.isEmpty { value += "\n" + labels }
            return PayloadJSON.object([
                ("name", .string(PayloadJSON.truncate("\(alert.name) (\(AlertText.state(group, alert)))", 256))),
                ("value", .string(PayloadJSON.truncate(value, 1024))),
                ("inline", .bool(false)),
            ])
        }
        if let more = AlertText.more(group.alerts.count - shown.count) {
            fields.append(PayloadJSON.object([("name", .string("more")), ("value", .string(more))]))
        }
        var description = group.commonAnnotations["description"] ?? group.commonAnnotations["summary"] ?? ""
        if !group.externalURL.isEmpty { description += (description.isEmpty ? "" : "\n") + group.externalURL }
        var embed: [(String, JSONValue)] = [
            ("title", .string(PayloadJSON.truncate(group.title, 256))),
            ("color", .number(Double(group.status == "firing" ? firingColor : resolvedColor))),
            ("fields", .array(fields)),
            ("timestamp", PayloadJSON.time(group.now)),
        ]
        if !description.isEmpty {
            embed.insert(("description", .string(PayloadJSON.truncate(description, 4096))), at: 1)
        }
        var message: [(String, JSONValue)] = []
        if let username { message.append(("username", .string(username))) }
        message.append(("embeds", .array([PayloadJSON.object(embed)])))
        // Alert text must never ping @everyone or a role.
        message.append(("allowed_mentions", PayloadJSON.object([("parse", .array([]))])))
        return PayloadJSON.object(message)
    }
}
