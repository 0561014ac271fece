import Alerting
import InfermonConfig
import InfermonCore
import Logging
import Notify
import Synchronization
import Testing

/// The two daemons of a highly available pair differ only in their replica
/// label. Run through the configuration and the real rule engine, their
/// alerts must come out identical: the replica label reaches neither the
/// alerts' labels (their identity, the Alertmanager fingerprint), nor a rule
/// label or annotation built from `$externalLabels`, nor `ALERTS`, nor the
/// notification groups, while every other external label does.
@Suite("Replica label of an HA pair")
struct ReplicaLabelTests {
    static let rules = """
        groups:
          - name: ha
            interval: 10s
            rules:
              - alert: Slow
                expr: latency > 5
                labels:
                  severity: page
                  # Whoever writes this must not split the alert per replica.
                  seen_by: "{{ $externalLabels.cluster }}/{{ $externalLabels.replica }}"
                annotations:
                  summary: "{{ $labels.model }} slow on {{ $externalLabels.cluster }}{{ $externalLabels.replica }}"
        """

    /// One replica's configuration: its value under the external label `name`,
    /// and `replicaLabel` as `global.replica_label` when given.
    static func configuration(replica: String, name: String = "replica", replicaLabel: String? = nil) throws
        -> Configuration
    {
        let renamed = replicaLabel.map { "  replica_label: \($0)\n" } ?? ""
        return try ConfigurationLoader.load(
            text: """
                global:
                \(renamed)  external_labels: {cluster: prod-eu, \(name): \(replica)}
                notifications:
                  route:
                    receiver: am
                    group_by: ['...']
                  receivers:
                    - name: am
                      alertmanager_configs:
                        - url: http://127.0.0.1:9093
                """, file: "infermon.yaml")
    }

    /// What one replica's rule engine sends to notification, and what it writes as `ALERTS`.
    static func evaluate(_ config: Configuration) async throws -> (alerts: [Alert], series: [Labels]) {
        let parsed = RuleFileParser.parse(rules, file: "ha.rules.yaml")
        #expect(parsed.errors.isEmpty, "\(parsed.errors)")
        let storage = MemorySeries()
        let start: Timestamp = 1_800_000_000_000
        storage.add(Labels(name: "latency", ["model": "gpt-4o"]), [Sample(start, 9)])
        let sink = AlertCollector()
        var logger = Logger(label: "replica-label-test")
        logger.logLevel = .critical
        let manager = RuleManager(
            groups: parsed.groups, options: config.ruleEvaluation, querier: storage, appender: storage, sink: sink,
            stateStore: nil, logger: logger)
        await manager.evaluateAll(at: start)
        let series = try storage.labelSets([], from: start, through: start)
        return (sink.alerts, series)
    }

    @Test func bothReplicasSendIdenticalAlertsWithoutTheReplicaLabel() async throws {
        let a = try await Self.evaluate(try Self.configuration(replica: "a"))
        let b = try await Self.evaluate(try Self.configuration(replica: "b"))
        let alert = try #require(a.alerts.first)
        #expect(a.alerts.count == 1)
        #expect(alert.labels["replica"] == nil, "\(alert.labels)")
        #expect(alert.labels["cluster"] == "prod-eu")
        #expect(alert.labels["seen_by"] == "prod-eu/", "a rule label built from $externalLabels")
        #expect(alert.annotations["summary"] == "gpt-4o slow on prod-eu")
        // Identical, so the Alertmanager cluster sees one alert.
        #expect(a.alerts.map(\.labels) == b.alerts.map(\.labels))
        #expect(a.alerts.map(\.annotations) == b.alerts.map(\.annotations))
        #expect(a.alerts.map(\.fingerprint) == b.alerts.map(\.fingerprint))
        // ALERTS, written to each replica's store, carries no replica label either.
        let alertsSeries = a.series.filter { $0[Labels.metricName] == "ALERTS" }
        #expect(!alertsSeries.isEmpty)
        #expect(alertsSeries.allSatisfy { $0["replica"] == nil && $0["seen_by"] == "prod-eu/" }, "\(alertsSeries)")
        #expect(alertsSeries == b.series.filter { $0[Labels.metricName] == "ALERTS" })

        // Grouping by every label puts both replicas' alerts in the same group.
        let config = try Self.configuration(replica: "a")
        let route = try Route(root: try #require(config.notifications.route), receivers: ["am"])
        let groups = Set(
            (a.alerts + b.alerts).flatMap { alert in
                route.match(alert.labels).map { "\($0.key):\($0.grouping.groupLabels(of: alert.labels))" }
            })
        #expect(groups.count == 1, "\(groups)")
        #expect(groups.allSatisfy { !$0.contains("replica") }, "\(groups)")
    }

    @Test func aRenamedReplicaLabelIsTheOneStripped() async throws {
        let a = try await Self.evaluate(
            try Self.configuration(replica: "a", name: "prometheus_replica", replicaLabel: "prometheus_replica"))
        let b = try await Self.evaluate(
            try Self.configuration(replica: "b", name: "prometheus_replica", replicaLabel: "prometheus_replica"))
        let alert = try #require(a.alerts.first)
        #expect(alert.labels["prometheus_replica"] == nil, "\(alert.labels)")
        #expect(a.alerts.map(\.labels) == b.alerts.map(\.labels))
    }

    @Test func withoutStrippingTheReplicasWouldDiffer() async throws {
        // The failure this guards against: replicas whose replica label is not
        // the one named in replica_label send two different alerts.
        let a = try await Self.evaluate(try Self.configuration(replica: "a", replicaLabel: "other"))
        let b = try await Self.evaluate(try Self.configuration(replica: "b", replicaLabel: "other"))
        #expect(a.alerts.map(\.fingerprint) != b.alerts.map(\.fingerprint))
    }
}

/// Keeps every alert the rule engine hands to notification.
private final class AlertCollector: AlertSink {
    private let sent = Mutex<[Alert]>([])

    func send(_ alerts: [Alert]) async throws { sent.withLock { $0 += alerts } }

    var alerts: [Alert] { sent.withLock { $0 } }
}
