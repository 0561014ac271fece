public import InfermonCore

/// The `global:` section, as in Prometheus's configuration: what belongs to
/// the daemon as a whole rather than to one stage.
///
/// `external_labels` name this daemon to the systems it talks to: they are
/// added to every sample sent by remote write and to every alert sent to
/// notification (and are the templates' `$externalLabels`).
///
/// `replica_label` (default `replica`) names the one external label that
/// tells the two daemons of a highly available pair apart. Remote write keeps
/// it (a Thanos or Cortex/Mimir HA tracker needs it to pick one replica's
/// series), but alerting never sees it: two replicas must send identical
/// alerts, or the Alertmanager cluster sees two alerts and pages twice. So it
/// is stripped from the labels alerts carry, from the templates'
/// `$externalLabels` (a rule label built from it would split the alert again),
/// and so from grouping and the alert's identity. Prometheus's own way is an
/// `alert_relabel_configs` rule dropping the label; Thanos and Cortex name the
/// label instead, as done here.
///
/// Label values may use `${NAME}` and `${NAME:-default}` for environment
/// variables (Prometheus's `expand-external-labels`), so both hosts of a pair
/// can share one file: `replica: ${INFERMON_REPLICA}`.
public struct GlobalConfig: Sendable, Equatable {
    /// The default name of the replica label, as Thanos's and Cortex's examples use.
    public static let defaultReplicaLabel = "replica"

    public var externalLabels = Labels()
    public var replicaLabel = GlobalConfig.defaultReplicaLabel

    public init() {}

    public init(externalLabels: Labels, replicaLabel: String = GlobalConfig.defaultReplicaLabel) {
        self.externalLabels = externalLabels
        self.replicaLabel = replicaLabel
    }

    /// The external labels alerts carry: all but the replica label.
    public var alertLabels: Labels { externalLabels.removing([replicaLabel]) }

    public init(yaml value: YAMLValue) throws {
        let map = try value.mapping(allowed: ["external_labels", "replica_label"])
        if let name = map["replica_label"] {
            replicaLabel = try name.string()
            guard PrometheusNames.isUserLabelName(replicaLabel) else {
                throw name.error("\"\(replicaLabel)\" is not a valid label name")
            }
        }
        if let labels = map["external_labels"] {
            var external: [String: String] = [:]
            for (name, value) in try labels.entries() {
                // Names starting with __ are reserved for internal use, as in Prometheus.
                guard PrometheusNames.isUserLabelName(name) else {
                    throw value.error("\"\(name)\" is not a valid label name")
                }
                let text = try value.expandedString()
                // An empty value means "no such label" in Prometheus's data model.
                guard !text.isEmpty else { throw value.error("external label \"\(name)\" has an empty value") }
                external[name] = text
            }
            externalLabels = Labels(external)
        }
    }
}
