public import InfermonCore

/// The text formats a target may answer a scrape with.
public enum ExpositionFormat: Sendable, Hashable {
    /// `text/plain; version=0.0.4`: what prometheus_client (and so vLLM) serves by default.
    case prometheusText
    /// `application/openmetrics-text`: timestamps in seconds, `# EOF`, exemplars.
    case openMetrics

    /// The format a response's `Content-Type` names; the classic text format
    /// when it names none, as Prometheus assumes.
    public init(contentType: String?) {
        let mediaType = contentType?.split(separator: ";").first.map { $0.filter { $0 != " " }.lowercased() }
        self = mediaType == "application/openmetrics-text" ? .openMetrics : .prometheusText
    }

    /// The `Accept` header of a scrape: the classic text format first, since it is
    /// the one every exporter speaks; OpenMetrics is understood when a target insists.
    public static let acceptHeader =
        "text/plain;version=0.0.4;q=0.9,application/openmetrics-text;version=1.0.0;q=0.5,*/*;q=0.1"
}

/// The declared type of a metric family (`# TYPE`).
public enum MetricType: String, Sendable, Hashable, CaseIterable {
    case counter, gauge, histogram, summary, untyped
    /// OpenMetrics spellings.
    case unknown, info, stateset, gaugehistogram

    /// Families whose `_created` sample is a creation time, not a measurement.
    var hasCreatedSample: Bool {
        switch self {
        case .counter, .histogram, .summary, .gaugehistogram: true
        default: false
        }
    }
}

/// One sample line of an exposition, with its labels as scraped (`__name__` included).
public struct ExpositionSample: Sendable, Hashable {
    public var labels: Labels
    public var value: Double
    /// The explicit timestamp of the line, in epoch milliseconds, if it had one.
    public var timestamp: Timestamp?

    public init(labels: Labels, value: Double, timestamp: Timestamp? = nil) {
        self.labels = labels
        self.value = value
        self.timestamp = timestamp
    }
}

/// A parsed scrape body.
public struct Exposition: Sendable {
    public var samples: [ExpositionSample]
    /// `# TYPE` declarations by family name.
    public var types: [String: MetricType]
    /// Samples dropped because the same series appeared earlier in the same body.
    public var duplicates: Int

    public init(samples: [ExpositionSample] = [], types: [String: MetricType] = [:], duplicates: Int = 0) {
        self.samples = samples
        self.types = types
        self.duplicates = duplicates
    }
}

/// Why a scrape body could not be parsed; a parse error fails the whole scrape,
/// as it does in Prometheus, so half a page is never stored as if it were whole.
public struct ExpositionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 1-based line number.
    public var line: Int
    public var message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(message)" }
}
