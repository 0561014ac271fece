public import InfermonCore

/// The series a canary evaluation writes.
public enum CanarySeries {
    /// 1 for the current verdict, 0 for the others, per canary (a state set, as in OpenMetrics).
    public static let verdict = "infermon_canary_verdict"
    /// 1 when the metric's test has found the candidate worse.
    public static let worse = "infermon_canary_metric_worse"
    /// The metric's difference (candidate − baseline, positive worse), with bound="lower|estimate|upper".
    public static let difference = "infermon_canary_difference"
    /// Requests seen per arm (arm="baseline|candidate").
    public static let requests = "infermon_canary_requests"

    public static func samples(_ report: CanaryReport, definition: CanaryDefinition, at time: Timestamp)
        -> [(labels: Labels, sample: Sample)]
    {
        var out: [(labels: Labels, sample: Sample)] = []
        let canary = report.name
        for verdict in CanaryVerdict.allCases {
            out.append(
                (
                    Labels(
                        name: Self.verdict,
                        [
                            "canary": canary, "verdict": verdict.rawValue, "baseline": definition.baseline.description,
                            "candidate": definition.candidate.description,
                        ]), Sample(time, verdict == report.verdict ? 1 : 0)
                ))
        }
        out.append(
            (
                Labels(name: requests, ["canary": canary, "arm": "baseline"]),
                Sample(time, Double(report.baselineRequests))
            ))
        out.append(
            (
                Labels(name: requests, ["canary": canary, "arm": "candidate"]),
                Sample(time, Double(report.candidateRequests))
            ))
        for metric in report.metrics {
            out.append(
                (
                    Labels(name: worse, ["canary": canary, "metric": metric.metric]),
                    Sample(time, metric.status == .worse ? 1 : 0)
                ))
            for (bound, value) in [("lower", metric.lower), ("estimate", metric.estimate), ("upper", metric.upper)] {
                guard let value else { continue }
                out.append(
                    (
                        Labels(name: difference, ["canary": canary, "metric": metric.metric, "bound": bound]),
                        Sample(time, value)
                    ))
            }
        }
        return out
    }
}
