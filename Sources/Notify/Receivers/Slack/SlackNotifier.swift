import InfermonCore

/// A Slack incoming webhook: `text` (what notifications and old clients show)
/// plus Block Kit blocks for the channel. Slack allows one message a second
/// per webhook, which is the default rate limit.
public struct SlackConfig: Sendable, Equatable {
    public var endpoint: EndpointConfig
    /// Alerts listed one by one before the rest are summarized.
    public var maxAlertsShown: Int

    public init(endpoint: EndpointConfig, maxAlertsShown: Int = 10) {
        self.endpoint = endpoint
        self.maxAlertsShown = maxAlertsShown
    }
}

struct SlackNotifier: Notifier {
    let integration: String
    let config: SlackConfig
    let url: EndpointURL
    let transport: WebhookTransport

    var sendResolved: Bool { config.endpoint.sendResolved }
    var rateLimit: RateLimit? { config.endpoint.rateLimit ?? .slack }

    func render(_ group: NotificationGroup) throws -> [UInt8] {
        PayloadJSON.bytes(Self.payload(group, maxAlertsShown: config.maxAlertsShown))
    }

    func notify(_ message: OutboxMessage) async -> DeliveryResult {
        await transport.post(message.body, to: url, messageID: message.id, endpoint: config.endpoint)
    }

    /// Block Kit limits: header text 150 characters, section text 3000, 50 blocks.
    static func payload(_ group: NotificationGroup, maxAlertsShown: Int) -> JSONValue {
        var blocks: [JSONValue] = [
            PayloadJSON.object([
                ("type", .string("header")),
                ("text", text("plain_text", PayloadJSON.truncate(group.title, 150))),
            ])
        ]
        let shown = group.alerts.prefix(max(1, min(maxAlertsShown, 45)))
        for alert in shown {
            let icon = group.isResolved(alert) ? ":large_green_circle:" : ":red_circle:"
            var body = "\(icon) *\(escape(alert.name))* (\(AlertText.state(group, alert)))\n"
            body += escape(AlertText.summary(alert))
            let labels = AlertText.labelList(alert.labels)
            if !labels.isEmpty { body += "\n`\(escape(labels))`" }
            blocks.append(
                PayloadJSON.object([
                    ("type", .string("section")), ("text", text("mrkdwn", PayloadJSON.truncate(body, 3000))),
                ]))
        }
        var context = "group \(group.groupLabels.isEmpty ? "{}" : AlertText.labelList(group.groupLabels))"
        if let more = AlertText.more(group.alerts.count - shown.count) { context = more + " · " + context }
        if !group.externalURL.isEmpty { context += " · <\(group.externalURL)|infermon>" }
        blocks.append(
            PayloadJSON.object([
                ("type", .string("context")),
                ("elements", .array([text("mrkdwn", PayloadJSON.truncate(context, 3000))])),
            ]))
        return PayloadJSON.object([("text", .string(group.title)), ("blocks", .array(blocks))])
    }

    private static func text(_ type: String, _ value: String) -> JSONValue {
        PayloadJSON.object([("type", .string(type)), ("text", .string(value))])
    }

    /// Slack's three control characters in mrkdwn; alert text must not make links or mentions.
    static func escape(_ text: String) -> String {
        text.replacing("&", with: "&amp;").replacing("<", with: "&lt;").replacing(">", with: "&gt;")
    }
}
