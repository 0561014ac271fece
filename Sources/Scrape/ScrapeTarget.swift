public import InfermonCore

/// One endpoint to scrape, with everything that decides how and as what.
public struct ScrapeTarget: Sendable, Hashable {
    /// The `job` label of every series of this target.
    public var job: String
    /// `host:port`; the default `instance` label.
    public var address: String
    public var scheme: String
    public var metricsPath: String
    /// Milliseconds between the starts of two scrapes.
    public var interval: Duration
    /// Milliseconds a scrape may take, response body included.
    public var timeout: Duration
    /// Static labels for every series of the target. They may override `job` and
    /// `instance`, as in a Prometheus `static_configs` entry.
    public var labels: [String: String]
    /// Read before every scrape, so a rotated token is picked up without a reload.
    public var bearerTokenFile: String?
    /// Largest response body accepted, in bytes (after decompression).
    public var bodySizeLimit: Int

    public static let defaultInterval: Duration = .seconds(15)
    public static let defaultTimeout: Duration = .seconds(10)

    public init(
        job: String, address: String, scheme: String = "http", metricsPath: String = "/metrics",
        interval: Duration = defaultInterval, timeout: Duration = defaultTimeout, labels: [String: String] = [:],
        bearerTokenFile: String? = nil, bodySizeLimit: Int = 64 << 20
    ) {
        self.job = job
        self.address = address
        self.scheme = scheme
        self.metricsPath = metricsPath
        self.interval = interval
        self.timeout = timeout
        self.labels = labels
        self.bearerTokenFile = bearerTokenFile
        self.bodySizeLimit = bodySizeLimit
    }

    public var url: String { "\(scheme)://\(address)\(metricsPath.hasPrefix("/") ? "" : "/")\(metricsPath)" }

    /// The labels the target puts on every series it produces: `job`, `instance`
    /// and the static labels.
    public var targetLabels: Labels {
        var all = labels
        if all["job", default: ""].isEmpty { all["job"] = job }
        if all["instance", default: ""].isEmpty { all["instance"] = address }
        return Labels(all)
    }

    /// What makes two configured targets the same source of series. A reload that
    /// keeps the identity but changes, say, the interval continues the same series
    /// instead of marking them stale and starting over.
    public struct Identity: Sendable, Hashable {
        public var url: String
        public var labels: Labels
    }

    public var identity: Identity { Identity(url: url, labels: targetLabels) }
}

/// The samples a scrape reports about itself, as Prometheus names them.
public enum ScrapeReportMetric {
    /// 1 when the scrape succeeded, 0 when it failed.
    public static let up = "up"
    public static let duration = "scrape_duration_seconds"
    public static let samplesScraped = "scrape_samples_scraped"
    public static let all = [up, duration, samplesScraped]
}

/// What one scrape did; handed to an observer (self-metrics, tests).
public struct ScrapeReport: Sendable {
    public var target: ScrapeTarget
    /// The scrape's timestamp, shared by every sample it appended.
    public var timestamp: Timestamp
    public var up: Bool
    public var durationSeconds: Double
    public var samplesScraped: Int
    /// Series that disappeared and were marked stale by this scrape.
    public var staleMarkers: Int
    /// Why the scrape failed, when it did.
    public var error: String?
    /// Whether storing the samples failed (the scrape itself may have been fine).
    public var appendError: String?
}
