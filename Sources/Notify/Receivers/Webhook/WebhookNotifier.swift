import InfermonCore

/// A generic webhook receiving Alertmanager's webhook payload (version 4), so
/// anything written for Alertmanager webhooks works with infermon unchanged.
public struct WebhookConfig: Sendable, Equatable {
    public var endpoint: EndpointConfig
    /// At most this many alerts per message (0: all); the rest are counted in `truncatedAlerts`.
    public var maxAlerts: Int

    public init(endpoint: EndpointConfig, maxAlerts: Int = 0) {
        self.endpoint = endpoint
        self.maxAlerts = maxAlerts
    }
}

struct WebhookNotifier: Notifier {
    let integration: String
    let receiver: String
    let config: WebhookConfig
    let url: EndpointURL
    let transport: WebhookTransport

    var sendResolved: Bool { config.endpoint.sendResolved }
    var rateLimit: RateLimit? { config.endpoint.rateLimit }

    func render(_ group: NotificationGroup) throws -> [UInt8] {
        PayloadJSON.bytes(Self.payload(group, receiver: receiver, maxAlerts: config.maxAlerts))
    }

    func notify(_ message: OutboxMessage) async -> DeliveryResult {
        await transport.post(message.body, to: url, messageID: message.id, endpoint: config.endpoint)
    }

    /// The payload, with Alertmanager's key order: `receiver`, `status`,
    /// `alerts`, `groupLabels`, `commonLabels`, `commonAnnotations`,
    /// `externalURL`, `version`, `groupKey`, `truncatedAlerts`.
    static func payload(_ group: NotificationGroup, receiver: String, maxAlerts: Int) -> JSONValue {
        var alerts = group.alerts
        var truncated = 0
        if maxAlerts > 0, alerts.count > maxAlerts {
            truncated = alerts.count - maxAlerts
            alerts = Array(alerts.prefix(maxAlerts))
        }
        return PayloadJSON.object([
            ("receiver", .string(receiver)),
            ("status", .string(group.status)),
            ("alerts", .array(alerts.map { alert(group, $0) })),
            ("groupLabels", PayloadJSON.labels(group.groupLabels)),
            ("commonLabels", PayloadJSON.labels(group.commonLabels)),
            ("commonAnnotations", PayloadJSON.strings(group.commonAnnotations)),
            ("externalURL", .string(group.externalURL)),
            ("version", .string("4")),
            ("groupKey", .string(group.groupKey)),
            ("truncatedAlerts", .number(Double(truncated))),
        ])
    }

    /// One alert; a firing alert's `endsAt` is Go's zero time, as Alertmanager
    /// hides an end that has not come yet.
    static func alert(_ group: NotificationGroup, _ alert: Alert) -> JSONValue {
        let resolved = group.isResolved(alert)
        return PayloadJSON.object([
            ("status", .string(resolved ? "resolved" : "firing")),
            ("labels", PayloadJSON.labels(alert.labels)),
            ("annotations", PayloadJSON.strings(alert.annotations)),
            ("startsAt", PayloadJSON.time(alert.startsAt)),
            ("endsAt", resolved ? PayloadJSON.time(alert.endsAt) : .string(PayloadJSON.zeroTime)),
            ("generatorURL", .string(alert.generatorURL)),
            ("fingerprint", .string(PayloadJSON.fingerprint(alert.fingerprint))),
        ])
    }
}
