import InfermonCore
import Query
import Templates

/// A recording rule: its result is renamed and relabelled, then appended as
/// series that later rules of the same group (and everyone else) can query.
struct RecordingRuleState: Sendable {
    let rule: RuleDefinition

    func evaluate(_ result: [InstantSample], at time: Timestamp, limit: Int) throws -> [(
        labels: Labels, sample: Sample
    )] {
        var seen: Set<Labels> = []
        var output: [(labels: Labels, sample: Sample)] = []
        for sample in result {
            var labels = sample.labels.setting(Labels.metricName, to: rule.name)
            for (name, template) in rule.labels { labels = labels.setting(name, to: template.text) }
            guard seen.insert(labels).inserted else {
                throw InfermonError.invalidInput(
                    "vector contains metrics with the same labelset after applying rule labels")
            }
            output.append((labels, Sample(time, sample.value)))
        }
        if limit > 0 && output.count > limit {
            throw InfermonError.limitExceeded("exceeded limit of \(limit) with \(output.count) series")
        }
        return output
    }
}

/// Runs a rule's query: instant vectors as they are, a scalar as one sample
/// without labels, anything else is an error (Prometheus's `EngineQueryFunc`).
struct RuleQuery: Sendable {
    let engine: QueryEngine
    let querier: any SeriesQuerier
    let sketches: (any SketchQuerier)?
    let limits: QueryLimits

    func vector(_ expression: Expression, at time: Timestamp) throws -> [InstantSample] {
        switch try engine.instant(expression, at: time, querier: querier, sketches: sketches, limits: limits) {
        case .vector(let samples): return samples
        case .scalar(let sample): return [InstantSample(labels: Labels(), timestamp: time, value: sample.value)]
        default: throw InfermonError.invalidInput("rule result is not a vector or scalar")
        }
    }

    /// The `query` function of templates: the same engine, at the evaluation time.
    func templateQuery(at time: Timestamp) -> @Sendable (String) throws -> [QuerySample] {
        let engine = engine
        let querier = querier
        let sketches = sketches
        let limits = limits
        return { text in
            let result = try engine.instant(text, at: time, querier: querier, sketches: sketches, limits: limits)
            switch result {
            case .vector(let samples):
                return samples.map { QuerySample(labels: $0.labels.dictionary, value: $0.value) }
            case .scalar(let sample):
                return [QuerySample(labels: [:], value: sample.value)]
            default:
                throw InfermonError.invalidInput("query result is not a vector or scalar")
            }
        }
    }
}
