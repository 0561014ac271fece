import Foundation
import InfermonCore
import InfermonTesting
import Logging
import Notify

/// A dispatcher, an outbox deliverer and a recording receiver wired together
/// on a manual clock, as the service wires them, so tests drive time by hand.
final class Harness: Sendable {
    let clock: ManualClock
    let store: any NotificationPersistence
    let receiver: RecordingReceiver
    let transport: WebhookTransport
    let dispatcher: NotificationDispatcher
    let deliverer: OutboxDeliverer
    let silences: Silences

    private init(
        clock: ManualClock, store: any NotificationPersistence, receiver: RecordingReceiver,
        transport: WebhookTransport, dispatcher: NotificationDispatcher, deliverer: OutboxDeliverer,
        silences: Silences
    ) {
        self.clock = clock
        self.store = store
        self.receiver = receiver
        self.transport = transport
        self.dispatcher = dispatcher
        self.deliverer = deliverer
        self.silences = silences
    }

    /// Builds a harness, runs `body`, and always shuts the HTTP client and the receiver down.
    static func with(
        route: RouteSpec = RouteSpec(receiver: "team", groupBy: ["alertname"]),
        receivers: (RecordingReceiver) throws -> [ReceiverConfig] = { [webhookReceiver("team", $0)] },
        inhibitRules: [InhibitRule] = [], outbox: OutboxOptions = OutboxOptions(jitter: 0),
        store: (any NotificationPersistence)? = nil, clock: ManualClock = ManualClock(),
        receiver existing: RecordingReceiver? = nil,
        _ body: (Harness) async throws -> Void
    ) async throws {
        let receiver: RecordingReceiver
        if let existing { receiver = existing } else { receiver = try await RecordingReceiver.start() }
        let transport = WebhookTransport(clock: clock)
        do {
            let store = store ?? InMemoryNotificationStore()
            let configuration = NotifyConfiguration(
                route: route, receivers: try receivers(receiver), inhibitRules: inhibitRules, outbox: outbox,
                externalURL: "http://infermon.test:9464")
            let notifiers = try configuration.makeNotifiers(transport: transport)
            let silences = Silences(store: store, clock: clock, refreshInterval: .zero)
            var logger = Logger(label: "notify-test")
            logger.logLevel = .critical
            let dispatcher = NotificationDispatcher(
                root: try configuration.makeRoute(), notifiers: notifiers, inhibitRules: inhibitRules,
                silences: silences, store: store, clock: clock, logger: logger,
                options: .init(externalURL: configuration.externalURL, outboxTTL: outbox.ttl))
            let deliverer = OutboxDeliverer(
                outbox: store, notifiers: notifiers.values.flatMap { $0 }, options: outbox, clock: clock,
                logger: logger, random: { 0.5 })
            let harness = Harness(
                clock: clock, store: store, receiver: receiver, transport: transport, dispatcher: dispatcher,
                deliverer: deliverer, silences: silences)
            try await body(harness)
        } catch {
            try? await transport.shutdown()
            if existing == nil { try? await receiver.stop() }
            throw error
        }
        try await transport.shutdown()
        if existing == nil { try await receiver.stop() }
    }

    /// Moves the clock, flushes due groups, and delivers due messages.
    func advance(by milliseconds: Int64) async throws {
        clock.advance(by: milliseconds)
        await dispatcher.flushDue()
        try await deliverer.deliverDue()
    }

    /// The JSON bodies of the messages queued so far and still in the outbox.
    func queued() async throws -> [[String: Any]] {
        try await store.outboxMessages().map { try jsonObject($0.body) }
    }
}

func webhookReceiver(
    _ name: String, _ receiver: RecordingReceiver, path: String = "/hook", secret: WebhookSecret? = nil
)
    -> ReceiverConfig
{
    ReceiverConfig(
        name: name,
        integrations: [.webhook(WebhookConfig(endpoint: EndpointConfig(url: receiver.url(path), secret: secret)))])
}

func alert(
    _ name: String, _ labels: [String: String] = [:], startsAt: Timestamp, endsAt: Timestamp,
    annotations: [String: String] = [:]
) -> Alert {
    var all = labels
    all["alertname"] = name
    return Alert(
        labels: Labels(all), annotations: annotations, startsAt: startsAt, endsAt: endsAt,
        generatorURL: "http://infermon.test/rules")
}

func jsonObject(_ bytes: [UInt8]) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
        throw InfermonError.invalidInput("not a JSON object")
    }
    return object
}

func jsonArray(_ bytes: [UInt8]) throws -> [[String: Any]] {
    guard let array = try JSONSerialization.jsonObject(with: Data(bytes)) as? [[String: Any]] else {
        throw InfermonError.invalidInput("not a JSON array")
    }
    return array
}

/// Names of the alerts in an Alertmanager webhook payload, with their status.
func alertStates(_ payload: [String: Any]) -> [String] {
    let alerts = payload["alerts"] as? [[String: Any]] ?? []
    return alerts.map { alert in
        let labels = alert["labels"] as? [String: String] ?? [:]
        let name = labels["alertname"] ?? "?"
        let instance = labels["instance"].map { "/\($0)" } ?? ""
        return "\(name)\(instance):\(alert["status"] as? String ?? "?")"
    }
}

let second: Int64 = 1_000
let minute: Int64 = 60_000
let hour: Int64 = 3_600_000
