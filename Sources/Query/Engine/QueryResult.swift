public import InfermonCore

/// One element of an instant vector.
public struct InstantSample: Sendable, Hashable {
    public var labels: Labels
    public var timestamp: Timestamp
    public var value: Double

    public init(labels: Labels, timestamp: Timestamp, value: Double) {
        self.labels = labels
        self.timestamp = timestamp
        self.value = value
    }
}

/// What a query returns, in the four shapes of the Prometheus API.
/// Range queries always return `.matrix`, series sorted by labels. Instant
/// vectors are sorted by labels too, except when the expression orders them
/// (`sort`, `sort_desc`, `topk`, `bottomk`).
public enum QueryResult: Sendable, Hashable {
    case scalar(Sample)
    case string(String, at: Timestamp)
    case vector([InstantSample])
    case matrix([Series])

    /// The `resultType` name Prometheus uses.
    public var typeName: String {
        switch self {
        case .scalar: return "scalar"
        case .string: return "string"
        case .vector: return "vector"
        case .matrix: return "matrix"
        }
    }
}

/// How the engine evaluates, fixed for its lifetime.
public struct QueryOptions: Sendable {
    /// How far back an instant selector looks for the latest sample (Prometheus: 5m).
    public var lookbackDelta: Int64 = 300_000
    /// Resolution of subqueries written without a step, `expr[30m:]` (Prometheus: the
    /// global evaluation interval, 1m by default).
    public var defaultSubqueryStep: Int64 = 60_000
    /// Most points a range query may return per series (Prometheus API: 11,000).
    public var maxPointsPerSeries = 11_000
    /// The clock deadlines are measured on: monotonic by default, so a wall-clock
    /// step cannot cut a query short; tests pass a `ManualClock`.
    public var clock: any WallClock = MonotonicMillisClock()

    public init() {}
}

/// Per-call limits, so an HTTP handler can pass the configured values and a rule
/// evaluator its own.
public struct QueryLimits: Sendable, Equatable {
    /// How long the evaluation may take before it fails with `InfermonError.timeout`.
    public var timeout: Duration?
    /// Most samples one query may load (selected raw samples plus subquery points)
    /// before it fails with `InfermonError.limitExceeded`.
    public var maxSamples: Int?

    public init(timeout: Duration? = nil, maxSamples: Int? = nil) {
        self.timeout = timeout
        self.maxSamples = maxSamples
    }

    public static let unlimited = QueryLimits()
    /// What the HTTP API, `infermon query` and the dashboard allow one query unless
    /// configured otherwise (`server.query_timeout`, `server.max_samples_per_query`):
    /// Prometheus's own defaults (`--query.timeout=2m` aside, 50 M samples).
    public static let serving = QueryLimits(timeout: servingTimeout, maxSamples: servingMaxSamples)
    public static let servingTimeout: Duration = .seconds(30)
    public static let servingMaxSamples = 50_000_000
}

/// Milliseconds of the monotonic clock, for measuring deadlines only.
struct MonotonicMillisClock: WallClock {
    func now() -> Timestamp { Timestamp(monotonicNanoseconds() / 1_000_000) }

    func sleep(until deadline: Timestamp) async throws {
        let delay = deadline - now()
        if delay > 0 { try await Task.sleep(for: .milliseconds(delay)) }
    }
}
