import InfermonCore

/// The `scrape:` section: Prometheus-format endpoints (a vLLM server's
/// `/metrics`, a GPU exporter) to pull on an interval and store as series.
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
public struct ScrapeSection: Sendable, Equatable {
    public var interval: Int64 = 15_000
    public var timeout: Int64 = 10_000
    public var jobs: [Job] = []

    public init() {}

    public struct Job: Sendable, Equatable {
        /// The `job` label.
        public var name: String
        /// `host:port` of each endpoint; each becomes the `instance` label.
        public var targets: [String]
        public var scheme = "http"
        public var metricsPath = "/metrics"
        public var interval: Int64
        public var timeout: Int64
        public var labels: [String: String] = [:]
        /// Absolute path of a file holding a bearer token for the targets.
        public var bearerTokenFile: String?

        public init(name: String, targets: [String], interval: Int64, timeout: Int64) {
            self.name = name
            self.targets = targets
            self.interval = interval
            self.timeout = timeout
        }
    }

    public static func parse(_ value: YAMLValue) throws -> ScrapeSection {
        let map = try value.mapping(allowed: ["interval", "timeout", "jobs"])
        var section = ScrapeSection()
        if let interval = map["interval"] { section.interval = try positiveDuration(interval) }
        if let timeout = map["timeout"] { section.timeout = try positiveDuration(timeout) }
        var names: Set<String> = []
        for item in try map["jobs"]?.sequence() ?? [] {
            let job = try parseJob(item, defaults: section)
            guard names.insert(job.name).inserted else {
                throw try item.mapping(allowed: jobKeys).required("name").error("job \"\(job.name)\" is defined twice")
            }
            section.jobs.append(job)
        }
        return section
    }

    private static let jobKeys: Set<String> = [
        "name", "targets", "scheme", "metrics_path", "interval", "timeout", "labels", "bearer_token_file",
    ]

    private static func parseJob(_ item: YAMLValue, defaults: ScrapeSection) throws -> Job {
        let map = try item.mapping(allowed: jobKeys)
        let nameValue = try map.required("name")
        let name = try nameValue.string()
        guard !name.isEmpty else { throw nameValue.error("a job needs a name") }
        let targetsValue = try map.required("targets")
        let targets = try targetsValue.sequenceOrSingle().map { try address($0) }
        guard !targets.isEmpty else { throw targetsValue.error("at least one host:port target is needed") }
        guard Set(targets).count == targets.count else { throw targetsValue.error("a target is listed twice") }
        var job = Job(name: name, targets: targets, interval: defaults.interval, timeout: defaults.timeout)
        if let scheme = map["scheme"] { job.scheme = try scheme.oneOf(["http", "https"]) }
        if let path = map["metrics_path"] {
            job.metricsPath = try path.string()
            guard job.metricsPath.hasPrefix("/") else { throw path.error("metrics_path must start with /") }
        }
        if let interval = map["interval"] { job.interval = try positiveDuration(interval) }
        if let timeout = map["timeout"] {
            job.timeout = try positiveDuration(timeout)
            guard job.timeout <= job.interval else {
                throw timeout.error("timeout must not be longer than the interval")
            }
        } else {
            // A job's short interval caps the section's default timeout.
            job.timeout = min(job.timeout, job.interval)
        }
        if let labels = map["labels"] {
            for (key, value) in try labels.entries() {
                guard isLabelName(key), !key.hasPrefix("__") else {
                    throw value.error("\"\(key)\" is not a label name ([a-zA-Z_][a-zA-Z0-9_]*, no leading __)")
                }
                job.labels[key] = try value.string()
            }
        }
        if let file = map["bearer_token_file"] {
            let path = try file.string()
            guard !path.isEmpty else { throw file.error("bearer_token_file is empty") }
            job.bearerTokenFile = resolve(path, relativeTo: file.file)
        }
        return job
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

    private static func positiveDuration(_ value: YAMLValue) throws -> Int64 {
        let millis = try value.duration()
        guard millis > 0 else { throw value.error("must be longer than zero") }
        return millis
    }

    private static func isLabelName(_ text: String) -> Bool {
        for (index, byte) in text.utf8.enumerated() {
            let letter = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
            let digit = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            guard letter || byte == UInt8(ascii: "_") || (digit && index > 0) else { return false }
        }
        return !text.isEmpty
    }

    /// Paths in a config file are relative to the file, as in Prometheus.
    private static func resolve(_ path: String, relativeTo file: String) -> String {
        guard !path.hasPrefix("/"), let slash = file.lastIndex(of: "/") else { return path }
        return String(file[...slash]) + path
    }
}
