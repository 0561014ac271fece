public import InfermonCore

/// Reads counter values at points in time through `SeriesQuerier`: the value of
/// a counter at `t` is its last sample at or before `t`. Looking backwards from
/// `t` in widening windows keeps the common case (a sample in the last hour)
/// cheap while still finding a series that has been quiet for weeks.
public struct CounterReader: Sendable {
    public let querier: any SeriesQuerier

    public init(querier: any SeriesQuerier) { self.querier = querier }

    /// The last sample at or before `time` of every matching series that has one
    /// at or after `earliest`.
    public func lastSamples(_ matchers: [LabelMatcher], atOrBefore time: Timestamp, notBefore earliest: Timestamp)
        throws -> [Labels: Sample]
    {
        var found: [Labels: Sample] = [:]
        let lookback = max(0, time - earliest)
        var window = min(3_600_000, lookback)
        take(try querier.select(matchers, from: time - window, through: time), into: &found)
        guard window < lookback else { return found }
        let expected = Set(try querier.labelSets(matchers, from: earliest, through: time))
        while window < lookback {
            let missing = expected.filter { found[$0] == nil }
            if missing.isEmpty { break }
            window = min(window * 24, lookback)
            if missing.count <= 32 {
                for labels in missing {
                    let exact = labels.map { LabelMatcher.equal($0.name, $0.value) }
                    take(try querier.select(exact, from: time - window, through: time), into: &found)
                }
            } else {
                take(try querier.select(matchers, from: time - window, through: time), into: &found)
            }
        }
        return found
    }

    private func take(_ series: [Series], into found: inout [Labels: Sample]) {
        for one in series where found[one.labels] == nil {
            if let last = one.samples.last(where: { !$0.isStaleMarker }) { found[one.labels] = last }
        }
    }

    /// Counter values at `time`, by series. A series without a sample by then is
    /// absent, which for a counter means 0: callers add up what they get.
    public func values(_ matchers: [LabelMatcher], at time: Timestamp, lookback: Int64) throws -> [Labels: Double] {
        try lastSamples(matchers, atOrBefore: time, notBefore: time - lookback).mapValues(\.value)
    }

    /// How much each matching counter grew over `(from, to]`. Counters that went
    /// down in between (a reset) are read sample by sample, counting a drop as a
    /// restart from zero, as Prometheus's `increase` does.
    public func increases(_ matchers: [LabelMatcher], from: Timestamp, to: Timestamp, lookback: Int64) throws
        -> [Labels: Double]
    {
        let end = try values(matchers, at: to, lookback: lookback)
        let start = try values(matchers, at: from, lookback: lookback)
        var result: [Labels: Double] = [:]
        var reset: [Labels] = []
        for (labels, value) in end {
            let delta = value - (start[labels] ?? 0)
            if delta >= 0 { result[labels] = delta } else { reset.append(labels) }
        }
        for labels in reset {
            let exact = labels.map { LabelMatcher.equal($0.name, $0.value) }
            let samples = try querier.select(exact, from: from + 1, through: to).first?.samples ?? []
            result[labels] = Self.increase(samples, startingFrom: start[labels] ?? 0)
        }
        return result
    }

    /// Growth over a run of samples following `baseline`, with resets.
    public static func increase(_ samples: [Sample], startingFrom baseline: Double) -> Double {
        var previous = baseline
        var total = 0.0
        for sample in samples where !sample.isStaleMarker {
            total += sample.value >= previous ? sample.value - previous : sample.value
            previous = sample.value
        }
        return total
    }
}

extension Dictionary where Value == Double {
    /// The sum of all values.
    var total: Double { values.reduce(0, +) }
}
