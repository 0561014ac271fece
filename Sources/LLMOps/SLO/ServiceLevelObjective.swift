public import InfermonCore

/// A service-level objective over inference requests: which requests count, what
/// makes one good, and what fraction must be good over a rolling period.
public struct ServiceLevelObjective: Sendable, Equatable {
    /// What is measured for each request.
    public enum Indicator: Sendable, Equatable {
        /// End-to-end latency at or below `threshold` seconds. Counts successful
        /// and timed-out requests that report a latency (a timeout is a slow
        /// request); failed and canceled ones are availability's business.
        case latency(threshold: Double)
        /// Time to first token at or below `threshold` seconds. Counts successful
        /// and timed-out requests that report a TTFT, i.e. streaming ones.
        case timeToFirstToken(threshold: Double)
        /// Not failed: `ok` is good, `error` and `timeout` are bad, and
        /// client-canceled requests are not counted.
        case availability
    }

    public var name: String
    public var indicator: Indicator
    /// The fraction of counted requests that must be good, such as 0.99.
    public var objective: Double
    /// The rolling period the error budget is measured over.
    public var period: Duration
    /// Which requests the SLO is about, over the labels `model`, `model_version`,
    /// `route` and `tenant`; empty means all.
    public var selector: [LabelMatcher]
    public var description: String?

    public init(
        name: String, indicator: Indicator, objective: Double, period: Duration = .seconds(30 * 86_400),
        selector: [LabelMatcher] = [], description: String? = nil
    ) {
        self.name = name
        self.indicator = indicator
        self.objective = objective
        self.period = period
        self.selector = selector
        self.description = description
    }

    /// The fraction of requests allowed to be bad.
    public var errorBudget: Double { 1 - objective }

    /// Whether the SLO counts requests with this identity at all.
    public func selects(_ key: EventKey) -> Bool { selector.isEmpty || selector.matches(key.labels) }

    /// true for a good request, false for a bad one, nil when the SLO does not count it.
    /// Thresholds are inclusive, like a Prometheus `le` bucket.
    public func classify(_ event: InferenceEvent) -> Bool? {
        classify(status: event.status, latency: event.latency, timeToFirstToken: event.timeToFirstToken)
    }

    /// The same from the fields it reads, so the ingest stage need not copy events.
    public func classify(status: EventStatus, latency: Double?, timeToFirstToken: Double?) -> Bool? {
        switch indicator {
        case .availability:
            switch status {
            case .ok: return true
            case .error, .timeout: return false
            case .canceled: return nil
            }
        case .latency(let threshold):
            guard status == .ok || status == .timeout, let latency else { return nil }
            return latency <= threshold
        case .timeToFirstToken(let threshold):
            guard status == .ok || status == .timeout, let timeToFirstToken else { return nil }
            return timeToFirstToken <= threshold
        }
    }

    /// A phrase for messages and rule annotations: "99% of requests with latency ≤ 2s".
    public var summary: String {
        let percent = formatNumber(objective * 100) + "%"
        switch indicator {
        case .latency(let threshold): return "\(percent) of requests with latency <= \(formatSeconds(threshold))"
        case .timeToFirstToken(let threshold):
            return "\(percent) of streaming requests with time to first token <= \(formatSeconds(threshold))"
        case .availability: return "\(percent) of requests without errors"
        }
    }
}

/// The burn-rate windows of the multi-window, multi-burn-rate alerts (Google SRE workbook, chapter 5).
public enum BurnRateWindow: String, Sendable, CaseIterable {
    case fiveMinutes = "5m"
    case thirtyMinutes = "30m"
    case oneHour = "1h"
    case twoHours = "2h"
    case sixHours = "6h"
    case oneDay = "1d"
    case threeDays = "3d"

    public var milliseconds: Int64 { TimeParsing.durationMillis(rawValue)! }
}

/// A number with no more digits than it needs: 0.99 → "0.99", 14.4 → "14.4", 2 → "2".
func formatNumber(_ value: Double) -> String {
    let rounded = (value * 1e9).rounded() / 1e9
    if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int64(rounded)) }
    return String(rounded)
}

/// Seconds as a Prometheus duration when whole milliseconds: 0.5 → "500ms", 2 → "2s".
func formatSeconds(_ seconds: Double) -> String {
    let millis = (seconds * 1000).rounded()
    if abs(millis - seconds * 1000) < 1e-6, millis > 0 { return TimeParsing.formatDuration(Int64(millis)) }
    return formatNumber(seconds) + "s"
}
