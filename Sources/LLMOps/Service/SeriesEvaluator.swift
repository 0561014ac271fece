public import InfermonCore

/// Something that turns what is stored into derived series at a moment: budgets,
/// SLO burn rates, latency quantiles. Pure with respect to time, so tests call it
/// at chosen instants instead of waiting for a service to tick.
public protocol SeriesEvaluator: Sendable {
    /// For logs: "budgets", "slos", "signals".
    var name: String { get }
    func evaluate(at now: Timestamp) throws -> [(labels: Labels, sample: Sample)]
}

extension Labels {
    /// `name{label="value", …}` built in one go.
    static func metric(_ name: String, _ pairs: (String, String)...) -> Labels {
        Labels([Label(Labels.metricName, name)] + pairs.map { Label($0.0, $0.1) })
    }
}
