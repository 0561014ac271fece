public import InfermonCore
public import InfermonYAML

/// The `remote_write:` section: Prometheus remote write 1.0 receivers (Mimir,
/// Thanos receive, Cortex, VictoriaMetrics, Prometheus itself) that get the
/// series infermon computes.
///
/// ```yaml
/// remote_write:
///   - url: http://mimir:9009/api/v1/push
///     name: mimir                     # remote_name label; default: a hash of the url
///     remote_timeout: 30s
///     headers: {X-Scope-OrgID: team-a}
///     bearer_token_file: mimir.token  # or basic_auth: {username, password_file}
///     write_relabel_configs:
///       - source_labels: [__name__]
///         regex: infermon_time_to_first_token_seconds_bucket
///         action: drop
///     queue_config: {capacity: 2500000, max_samples_per_send: 2000, send_interval: 5s,
///                    min_backoff: 30ms, max_backoff: 5s, delay: 15s}
/// ```
public struct RemoteWriteConfig: Sendable, Equatable {
    public var endpoints: [RemoteWriteEndpoint] = []

    public init() {}

    public init(endpoints: [RemoteWriteEndpoint]) { self.endpoints = endpoints }

    public init(yaml value: YAMLValue) throws {
        var names: Set<String> = []
        for item in try value.sequence() {
            let endpoint = try RemoteWriteEndpoint(yaml: item)
            guard names.insert(endpoint.name).inserted else {
                throw item.error("two remote_write entries are named \"\(endpoint.name)\"; give them distinct names")
            }
            endpoints.append(endpoint)
        }
    }

    /// Every endpoint with these external labels added (they belong to the `global:` section).
    public func with(externalLabels: Labels) -> RemoteWriteConfig {
        RemoteWriteConfig(
            endpoints: endpoints.map { endpoint in
                var copy = endpoint
                copy.externalLabels = externalLabels
                return copy
            })
    }
}
