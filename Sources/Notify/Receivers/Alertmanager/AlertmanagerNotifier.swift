import InfermonCore

/// Hands alerts to a real Alertmanager through `POST /api/v2/alerts`, the way
/// Prometheus does: firing alerts carry their future `endsAt` and must be
/// re-sent before it passes, resolved ones carry the resolve time.
public struct AlertmanagerConfig: Sendable, Equatable {
    /// The Alertmanager's base URL (`http://127.0.0.1:9093`); the API path is appended.
    public var endpoint: EndpointConfig
    /// How often firing alerts are re-sent; routes to this receiver flush at least this often.
    public var resendInterval: Duration

    public init(endpoint: EndpointConfig, resendInterval: Duration = .seconds(60)) {
        self.endpoint = endpoint
        self.resendInterval = resendInterval
    }
}

struct AlertmanagerNotifier: Notifier {
    let integration: String
    let config: AlertmanagerConfig
    let url: EndpointURL
    let transport: WebhookTransport

    /// An Alertmanager must hear about resolves, or it keeps the alert until it times out.
    var sendResolved: Bool { true }
    var rateLimit: RateLimit? { config.endpoint.rateLimit }
    var resendInterval: Duration? { config.resendInterval }

    func render(_ group: NotificationGroup) throws -> [UInt8] { PayloadJSON.bytes(Self.payload(group)) }

    func notify(_ message: OutboxMessage) async -> DeliveryResult {
        await transport.post(message.body, to: url, messageID: message.id, endpoint: config.endpoint)
    }

    /// A list of `postableAlert`s from Alertmanager's OpenAPI spec.
    static func payload(_ group: NotificationGroup) -> JSONValue {
        .array(
            group.alerts.map { alert in
                var fields: [(String, JSONValue)] = [
                    ("labels", PayloadJSON.labels(alert.labels)),
                    ("annotations", PayloadJSON.strings(alert.annotations)),
                    ("startsAt", PayloadJSON.time(alert.startsAt)),
                    ("endsAt", PayloadJSON.time(alert.endsAt)),
                ]
                if !alert.generatorURL.isEmpty { fields.append(("generatorURL", .string(alert.generatorURL))) }
                return PayloadJSON.object(fields)
            })
    }
}
