public import InfermonCore
import Synchronization

/// The LLM signals of one model and route over a window.
public struct RouteSignals: Sendable, Equatable {
    public var model: String
    public var route: String
    /// Quantile → value, from the merged sketches (within 0.5% of the exact value).
    public var latency: [Double: Double] = [:]
    public var timeToFirstToken: [Double: Double] = [:]
    public var timePerOutputToken: [Double: Double] = [:]
    public var completionTokens: [Double: Double] = [:]
    /// Requests cut off at the token limit over requests with a finish reason.
    public var lengthRatio: Double?
    /// Cached prompt tokens over all prompt tokens.
    public var cacheHitRatio: Double?

    public init(model: String, route: String) {
        self.model = model
        self.route = route
    }
}

/// Latency, TTFT, time-per-output-token and completion-token quantiles by model
/// and route, merged from the rollups' sketches (merging is exact, averaging
/// per-interval quantiles is not), plus the runaway-generation ratios: the share
/// of `finish_reason="length"` and the cache hit ratio from the token counters.
/// All over the trailing `window` of closed rollup intervals.
public final class SignalsEvaluator: SeriesEvaluator {
    public struct Options: Sendable {
        public var window: Duration
        public var quantiles: [Double]
        public var lookback: Duration

        public init(
            window: Duration = .seconds(300), quantiles: [Double] = [0.5, 0.9, 0.95, 0.99],
            lookback: Duration = .seconds(90 * 86_400)
        ) {
            self.window = window
            self.quantiles = quantiles
            self.lookback = lookback
        }
    }

    public let name = "signals"
    public let options: Options
    private let sketches: any SketchQuerier
    private let reader: CounterReader
    /// Series written last time, to mark the ones that vanish as stale.
    private let written: Mutex<Set<Labels>>

    public init(sketches: any SketchQuerier, querier: any SeriesQuerier, options: Options = Options()) {
        self.sketches = sketches
        self.options = options
        reader = CounterReader(querier: querier)
        written = Mutex([])
    }

    public func report(at now: Timestamp) throws -> [RouteSignals] {
        let from = now - options.window.millis
        var groups: [RouteKey: RouteSignals] = [:]
        func group(_ labels: Labels) -> RouteKey {
            let key = RouteKey(model: labels["model"] ?? "", route: labels["route"] ?? "")
            if groups[key] == nil { groups[key] = RouteSignals(model: key.model, route: key.route) }
            return key
        }
        let names = [
            EventMetrics.requestDuration, EventMetrics.timeToFirstToken, EventMetrics.timePerOutputToken,
            EventMetrics.requestOutputTokens,
        ]
        let nameMatcher = try LabelMatcher(Labels.metricName, .matchRegex, names.joined(separator: "|"))
        var merged: [RouteKey: [String: QuantileSketch]] = [:]
        for series in try sketches.sketches([nameMatcher], from: from + 1, through: now) {
            let key = group(series.labels)
            let metric = series.labels.name ?? ""
            for point in series.points where point.timestamp > from && point.timestamp <= now {
                merged[key, default: [:]][
                    metric, default: QuantileSketch(relativeAccuracy: point.sketch.relativeAccuracy)
                ]
                .merge(point.sketch)
            }
        }
        for (key, byMetric) in merged {
            func quantiles(_ metric: String) -> [Double: Double] {
                guard let sketch = byMetric[metric], !sketch.isEmpty else { return [:] }
                var out: [Double: Double] = [:]
                for q in options.quantiles { out[q] = sketch.quantile(q) }
                return out
            }
            groups[key]!.latency = quantiles(EventMetrics.requestDuration)
            groups[key]!.timeToFirstToken = quantiles(EventMetrics.timeToFirstToken)
            groups[key]!.timePerOutputToken = quantiles(EventMetrics.timePerOutputToken)
            groups[key]!.completionTokens = quantiles(EventMetrics.requestOutputTokens)
        }
        for (key, ratio) in try ratios(
            [.equal(Labels.metricName, LLMOpsMetrics.finishReasons)], part: ("finish_reason", "length"), from: from,
            to: now)
        {
            groups[group(Labels(["model": key.model, "route": key.route]))]!.lengthRatio = ratio
        }
        for (key, ratio) in try ratios(
            [
                .equal(Labels.metricName, EventMetrics.tokensTotal),
                try LabelMatcher("type", .matchRegex, "input|cached"),
            ],
            part: ("type", "cached"), whole: ("type", "input"), from: from, to: now)
        {
            groups[group(Labels(["model": key.model, "route": key.route]))]!.cacheHitRatio = ratio
        }
        return groups.values.sorted { ($0.model, $0.route) < ($1.model, $1.route) }
    }

    /// Per model and route: the growth of the counters with `part` over the growth
    /// of those with `whole` (all matching counters when nil), where that is above 0.
    private func ratios(
        _ matchers: [LabelMatcher], part: (String, String), whole: (String, String)? = nil, from: Timestamp,
        to: Timestamp
    ) throws -> [RouteKey: Double] {
        var parts: [RouteKey: Double] = [:]
        var wholes: [RouteKey: Double] = [:]
        for (labels, growth) in try reader.increases(matchers, from: from, to: to, lookback: options.lookback.millis) {
            let key = RouteKey(model: labels["model"] ?? "", route: labels["route"] ?? "")
            if labels[part.0] == part.1 { parts[key, default: 0] += growth }
            if whole.map({ labels[$0.0] == $0.1 }) ?? true { wholes[key, default: 0] += growth }
        }
        var result: [RouteKey: Double] = [:]
        for (key, denominator) in wholes where denominator > 0 { result[key] = (parts[key] ?? 0) / denominator }
        return result
    }

    public func evaluate(at now: Timestamp) throws -> [(labels: Labels, sample: Sample)] {
        var out: [(labels: Labels, sample: Sample)] = []
        for signals in try report(at: now) {
            let base: [(String, String)] = [("model", signals.model), ("route", signals.route)]
            func add(_ metric: String, _ extra: [(String, String)], _ value: Double) {
                out.append(
                    (
                        Labels([Label(Labels.metricName, metric)] + (base + extra).map { Label($0.0, $0.1) }),
                        Sample(now, value)
                    ))
            }
            for (kind, values) in [
                ("e2e", signals.latency), ("ttft", signals.timeToFirstToken), ("tpot", signals.timePerOutputToken),
            ] {
                for (q, value) in values {
                    add(LLMOpsMetrics.latencyQuantile, [("kind", kind), ("quantile", formatNumber(q))], value)
                }
            }
            for (q, value) in signals.completionTokens {
                add(LLMOpsMetrics.completionTokensQuantile, [("quantile", formatNumber(q))], value)
            }
            if let ratio = signals.lengthRatio { add(LLMOpsMetrics.finishLengthRatio, [], ratio) }
            if let ratio = signals.cacheHitRatio { add(LLMOpsMetrics.cacheHitRatio, [], ratio) }
        }
        let current = Set(out.map(\.labels))
        let vanished = written.withLock { written in
            defer { written = current }
            return written.subtracting(current)
        }
        for labels in vanished.sorted() { out.append((labels, Sample(now, Sample.staleNaN))) }
        return out
    }
}

private struct RouteKey: Hashable {
    var model: String
    var route: String
}
