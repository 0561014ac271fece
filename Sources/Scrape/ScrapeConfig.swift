import InfermonCore
public import InfermonYAML

/// The `scrape:` section: Prometheus-format endpoints (a vLLM server's
/// `/metrics`, a GPU exporter) to pull on an interval and store as series.
/// Each job's settings go into its targets, with `ScrapeTarget`'s defaults.
///
/// ```yaml
/// scrape:
///   interval: 15s            # defaults for every job
///   timeout: 10s
///   jobs:
///     - name: vllm
///       targets: ["127.0.0.1:8000"]
///       metrics_path: /metrics
///       interval: 5s
///       bearer_token_file: vllm.token   # relative to this file
///       labels: {cluster: gpu-a}
/// ```
public struct ScrapeConfig: Sendable, Equatable {
    public var jobs: [ScrapeJob] = []

    public init() {}

    /// Every job's targets, in the order written.
    public var targets: [ScrapeTarget] { jobs.flatMap(\.targets) }

    public init(yaml value: YAMLValue) throws {
        let map = try value.mapping(allowed: ["interval", "timeout", "jobs"])
        let interval: Duration = try map["interval"]?.positiveDuration() ?? ScrapeTarget.defaultInterval
        let timeout: Duration = try map["timeout"]?.positiveDuration() ?? ScrapeTarget.defaultTimeout
        var names: Set<String> = []
        for item in try map["jobs"]?.sequence() ?? [] {
            let job = try ScrapeJob(yaml: item, interval: interval, timeout: timeout)
            guard names.insert(job.name).inserted else {
                throw try item.mapping(allowed: ScrapeJob.keys).required("name").error(
                    "job \"\(job.name)\" is defined twice")
            }
            jobs.append(job)
        }
    }
}

/// One entry of `scrape.jobs`: the `job` label and the targets sharing its settings.
public struct ScrapeJob: Sendable, Equatable {
    public var name: String
    public var targets: [ScrapeTarget]

    public init(name: String, targets: [ScrapeTarget]) {
        self.name = name
        self.targets = targets
    }

    static let keys: Set<String> = [
        "name", "targets", "scheme", "metrics_path", "interval", "timeout", "labels", "bearer_token_file",
    ]

    /// `interval` and `timeout` are the section's, for a job that sets none.
    init(yaml item: YAMLValue, interval defaultInterval: Duration, timeout defaultTimeout: Duration) throws {
        let map = try item.mapping(allowed: Self.keys)
        let nameValue = try map.required("name")
        let name = try nameValue.string()
        guard !name.isEmpty else { throw nameValue.error("a job needs a name") }
        let targetsValue = try map.required("targets")
        let addresses = try targetsValue.sequenceOrSingle().map { try Self.address($0) }
        guard !addresses.isEmpty else { throw targetsValue.error("at least one host:port target is needed") }
        guard Set(addresses).count == addresses.count else { throw targetsValue.error("a target is listed twice") }
        var job = ScrapeTarget(job: name, address: "", interval: defaultInterval, timeout: defaultTimeout)
        if let scheme = map["scheme"] { job.scheme = try scheme.oneOf(["http", "https"]) }
        if let path = map["metrics_path"] {
            job.metricsPath = try path.string()
            guard job.metricsPath.hasPrefix("/") else { throw path.error("metrics_path must start with /") }
        }
        if let interval = map["interval"] { job.interval = try interval.positiveDuration() }
        if let timeout = map["timeout"] {
            job.timeout = try timeout.positiveDuration()
            guard job.timeout <= job.interval else {
                throw timeout.error("timeout must not be longer than the interval")
            }
        } else {
            // A job's short interval caps the section's default timeout.
            job.timeout = min(job.timeout, job.interval)
        }
        if let labels = map["labels"] {
            for (key, value) in try labels.entries() {
                guard PrometheusNames.isUserLabelName(key) else {
                    throw value.error("\"\(key)\" is not a label name ([a-zA-Z_][a-zA-Z0-9_]*, no leading __)")
                }
                job.labels[key] = try value.string()
            }
        }
        if let file = map["bearer_token_file"] {
            guard !(try file.string()).isEmpty else { throw file.error("bearer_token_file is empty") }
            job.bearerTokenFile = try file.relativePath()
        }
        self.init(
            name: name,
            targets: addresses.map { address in
                var target = job
                target.address = address
                return target
            })
    }

    /// `host:port`, as Prometheus writes targets; a URL here is a common mistake worth naming.
    private static func address(_ value: YAMLValue) throws -> String {
        let text = try value.string()
        guard !text.contains("/") else {
            throw value.error("targets are host:port; put the scheme in `scheme` and the path in `metrics_path`")
        }
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex,
            let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port)
        else { throw value.error("expected host:port, such as 127.0.0.1:8000") }
        return text
    }
}
