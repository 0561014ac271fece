public import InfermonCore

/// Reads an SLO's good/bad counters and works out its status, and writes
/// `infermon_slo_burn_rate{slo,window}`, `infermon_slo_error_budget_remaining_ratio{slo}`
/// and `infermon_slo_objective_ratio{slo}`.
///
/// Windows end at the last whole minute (`StageCounters.resolution`): the stage
/// stamps each minute's sample with that minute's newest event, so the counter's
/// value at a minute boundary is exactly the number of requests before it, and
/// every window count is exact, not interpolated.
public final class SLOEvaluator: SeriesEvaluator {
    public let name = "slos"
    public let slos: [ServiceLevelObjective]
    private let reader: CounterReader
    private let lookback: Duration

    public init(slos: [ServiceLevelObjective], querier: any SeriesQuerier, lookback: Duration = .seconds(90 * 86_400)) {
        self.slos = slos
        reader = CounterReader(querier: querier)
        self.lookback = lookback
    }

    public func evaluate(at now: Timestamp) throws -> [(labels: Labels, sample: Sample)] {
        var out: [(labels: Labels, sample: Sample)] = []
        for slo in slos {
            let status = try self.status(of: slo, at: now)
            for window in BurnRateWindow.allCases {
                out.append(
                    (
                        Labels.metric(LLMOpsMetrics.sloBurnRate, ("slo", slo.name), ("window", window.rawValue)),
                        Sample(now, status.burnRate(window))
                    ))
            }
            out.append(
                (
                    Labels.metric(LLMOpsMetrics.sloErrorBudgetRemaining, ("slo", slo.name)),
                    Sample(now, status.errorBudgetRemaining)
                ))
            out.append((Labels.metric(LLMOpsMetrics.sloObjective, ("slo", slo.name)), Sample(now, slo.objective)))
        }
        return out
    }

    public func status(of slo: ServiceLevelObjective, at now: Timestamp) throws -> SLOStatus {
        let end = floorDivide(now, StageCounters.resolution) * StageCounters.resolution
        let matchers = [
            LabelMatcher.equal(Labels.metricName, LLMOpsMetrics.sloEvents), LabelMatcher.equal("slo", slo.name),
        ]
        func counts(over length: Int64) throws -> WindowCounts {
            let increases = try reader.increases(matchers, from: end - length, to: end, lookback: lookback.millis)
            var counts = WindowCounts(good: 0, bad: 0)
            for (labels, value) in increases {
                if labels["result"] == "good" {
                    counts.good += value
                } else if labels["result"] == "bad" {
                    counts.bad += value
                }
            }
            return counts
        }
        var windows: [BurnRateWindow: WindowCounts] = [:]
        for window in BurnRateWindow.allCases { windows[window] = try counts(over: window.milliseconds) }
        return SLOStatus(
            slo: slo.name, objective: slo.objective, windowEnd: end, windows: windows,
            period: try counts(over: slo.period.millis))
    }
}
