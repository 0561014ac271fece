public import InfermonCore

/// The values of one evaluation step (the events of the last interval) that
/// feed the anomaly and change-point detectors.
public enum StepSeries {
    /// Traffic series scored against their seasonal baseline.
    public static let anomalyNames = [
        "request_rate", "error_rate", "latency_p50", "latency_p95", "latency_p99", "cost_rate",
    ]
    /// Quality series watched for slow shifts.
    public static let qualityNames = [
        "feedback_score", "judge_score", "refusal_rate", "empty_response_rate", "length_finish_rate",
    ]

    /// Request rate (per second), error rate, latency quantiles (seconds) and cost rate (USD per second).
    /// Rates and quantiles of an empty step are absent, except the request rate, which is zero.
    public static func traffic(_ step: EventColumns, seconds: Double) -> [String: Double] {
        var values: [String: Double] = ["request_rate": Double(step.count) / seconds]
        guard step.count > 0 else { return values }
        if let statuses = step.categorical[EventColumnName.status] {
            var errors = 0
            for code in statuses.codes where code >= 0 && statuses.categories[Int(code)] != "ok" { errors += 1 }
            values["error_rate"] = Double(errors) / Double(step.count)
        }
        if let latencies = step.numeric[EventColumnName.latency] {
            let sorted = SortedSample(latencies)
            if !sorted.isEmpty {
                values["latency_p50"] = sorted.quantile(0.5)
                values["latency_p95"] = sorted.quantile(0.95)
                values["latency_p99"] = sorted.quantile(0.99)
            }
        }
        if let costs = step.numeric[EventColumnName.cost] {
            values["cost_rate"] = costs.reduce(0) { $1.isNaN ? $0 : $0 + $1 } / seconds
        }
        return values
    }

    /// Mean feedback and judge score, refusal, empty-response and finish_reason=length rates.
    public static func quality(_ step: EventColumns, judgeFeature: String) -> [String: Double] {
        var values: [String: Double] = [:]
        values["feedback_score"] = mean(step.numeric[EventColumnName.feedback])
        values["judge_score"] = mean(step.numeric[EventColumnName.featurePrefix + judgeFeature])
        let flags = FieldExtraction.qualityFlags(step)
        values["refusal_rate"] = mean(flags.refusal)
        values["empty_response_rate"] = mean(flags.empty)
        if let reasons = step.categorical[EventColumnName.finishReason] {
            var known = 0
            var length = 0
            for code in reasons.codes where code >= 0 {
                known += 1
                if reasons.categories[Int(code)] == "length" { length += 1 }
            }
            if known > 0 { values["length_finish_rate"] = Double(length) / Double(known) }
        }
        return values.filter { !$0.value.isNaN }
    }

    static func mean(_ values: [Double]?) -> Double {
        guard let values else { return .nan }
        var sum = 0.0
        var count = 0
        for value in values where !value.isNaN {
            sum += value
            count += 1
        }
        return count == 0 ? .nan : sum / Double(count)
    }
}
