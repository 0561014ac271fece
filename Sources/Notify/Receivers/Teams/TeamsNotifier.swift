import InfermonCore

/// Microsoft Teams through a Workflows (Power Automate) webhook, which takes
/// a message with one Adaptive Card attachment. The older Office 365
/// connector cards are retired, so only this form is produced.
public struct TeamsConfig: Sendable, Equatable {
    public var endpoint: EndpointConfig
    public var maxAlertsShown: Int

    public init(endpoint: EndpointConfig, maxAlertsShown: Int = 10) {
        self.endpoint = endpoint
        self.maxAlertsShown = maxAlertsShown
    }
}

struct TeamsNotifier: Notifier {
    let integration: String
    let config: TeamsConfig
    let url: EndpointURL
    let transport: WebhookTransport

    var sendResolved: Bool { config.endpoint.sendResolved }
    var rateLimit: RateLimit? { config.endpoint.rateLimit }

    func render(_ group: NotificationGroup) throws -> [UInt8] {
        PayloadJSON.bytes(Self.payload(group, maxAlertsShown: config.maxAlertsShown))
    }

    func notify(_ message: OutboxMessage) async -> DeliveryResult {
        await transport.post(message.body, to: url, messageID: message.id, endpoint: config.endpoint)
    }

    static func payload(_ group: NotificationGroup, maxAlertsShown: Int) -> JSONValue {
        var body: [JSONValue] = [
            PayloadJSON.object([
                ("type", .string("TextBlock")), ("text", .string(group.title)), ("weight", .string("Bolder")),
                ("size", .string("Medium")), ("wrap", .bool(true)), ("style", .string("heading")),
                ("color", .string(group.status == "firing" ? "Attention" : "Good")),
            ])
        ]
        let shown = group.alerts.prefix(max(1, maxAlertsShown))
        for alert in shown {
            body.append(
                PayloadJSON.object([
                    ("type", .string("TextBlock")),
                    (
                        "text",
                        .string("**\(alert.name)** (\(AlertText.state(group, alert))): \(AlertText.summary(alert))")
                    ),
                    ("wrap", .bool(true)),
                ]))
            let facts: [JSONValue] = alert.labels.pairs.filter { $0.name != "alertname" }.map {
                PayloadJSON.object([("title", .string($0.name)), ("value", .string($0.value))])
            }
            if !facts.isEmpty {
                body.append(PayloadJSON.object([("type", .string("FactSet")), ("facts", .array(facts))]))
            }
        }
        if let more = AlertText.more(group.alerts.count - shown.count) {
            body.append(
                PayloadJSON.object([("type", .string("TextBlock")), ("text", .string(more)), ("isSubtle", .bool(true))])
            )
        }
        var card: [(String, JSONValue)] = [
            ("$schema", .string("http://adaptivecards.io/schemas/adaptive-card.json")),
            ("type", .string("AdaptiveCard")),
            ("version", .string("1.4")),
            ("body", .array(body)),
        ]
        if !group.externalURL.isEmpty {
            card.append(
                (
                    "actions",
                    .array([
                        PayloadJSON.object([
                            ("type", .string("Action.OpenUrl")), ("title", .string("Open infermon")),
                            ("url", .string(group.externalURL)),
                        ])
                    ])
                ))
        }
        card.append(("msteams", PayloadJSON.object([("width", .string("Full"))])))
        return PayloadJSON.object([
            ("type", .string("message")),
            (
                "attachments",
                .array([
                    PayloadJSON.object([
                        ("contentType", .string("application/vnd.microsoft.card.adaptive")),
                        ("contentUrl", .null),
                        ("content", PayloadJSON.object(card)),
                    ])
                ])
            ),
        ])
    }
}
