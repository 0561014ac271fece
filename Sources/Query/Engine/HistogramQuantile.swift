import InfermonCore

/// `histogram_quantile` over classic `le` buckets. Buckets are grouped once per
/// series set (labels without `le`) and sorted once; each step only walks them.
extension Evaluation {
    func histogramQuantile(_ q: [Double], _ series: [StepSeries], _ grid: Grid) throws -> [StepSeries] {
        var groupIndex: [Labels: Int] = [:]
        var groups: [(labels: Labels, members: [(bound: Double, series: Int)])] = []
        for (index, item) in series.enumerated() {
            // A series without a parsable `le` is not a bucket; Prometheus skips it too.
            guard let text = item.labels["le"], let bound = parsePrometheusFloat(text) else { continue }
            let key = item.labels.removing(["le"])
            if let group = groupIndex[key] {
                groups[group].members.append((bound, index))
            } else {
                groupIndex[key] = groups.count
                groups.append((key.withoutName, [(bound, index)]))
            }
        }
        var collector = SeriesCollector(count: grid.count)
        var buckets: [Bucket] = []
        for group in groups {
            try checkDeadline()
            let members = group.members.sorted { $0.bound < $1.bound }
            let slot = collector.slot(for: group.labels)
            for step in 0..<grid.count {
                buckets.removeAll(keepingCapacity: true)
                for member in members where series[member.series].present[step] {
                    buckets.append(Bucket(upperBound: member.bound, count: series[member.series].values[step]))
                }
                if buckets.isEmpty { continue }
                try collector.set(slot, step, bucketQuantile(q[step], &buckets))
            }
        }
        return collector.nonEmpty
    }
}

struct Bucket {
    var upperBound: Double
    var count: Double
}

/// Prometheus's `bucketQuantile`: the rank's bucket is found by cumulative count
/// and the value interpolated linearly inside it (from 0 for the first bucket if
/// its bound is positive). Needs a `+Inf` bucket; counts that decrease with the
/// bound (from scrapes that raced) are raised to keep the histogram monotonic;
/// a rank in the `+Inf` bucket answers the highest finite bound. Buckets sorted.
func bucketQuantile(_ q: Double, _ buckets: inout [Bucket]) -> Double {
    if q.isNaN { return .nan }
    if q < 0 { return -.infinity }
    if q > 1 { return .infinity }
    guard let last = buckets.last, last.upperBound == .infinity else { return .nan }
    // Coalesce buckets with the same bound (e.g. `le="1"` and `le="1.0"`).
    var write = 0
    for read in 1..<buckets.count {
        if buckets[read].upperBound == buckets[write].upperBound {
            buckets[write].count += buckets[read].count
        } else {
            write += 1
            buckets[write] = buckets[read]
        }
    }
    buckets.removeLast(buckets.count - write - 1)
    var maximum = -Double.infinity
    for index in buckets.indices {
        if buckets[index].count > maximum {
            maximum = buckets[index].count
        } else if buckets[index].count < maximum {
            buckets[index].count = maximum
        }
    }
    guard buckets.count >= 2 else { return .nan }
    let observations = buckets[buckets.count - 1].count
    if observations == 0 { return .nan }
    var rank = q * observations
    // First bucket whose cumulative count reaches the rank, searching all but +Inf.
    var found = buckets.count - 1
    for index in 0..<(buckets.count - 1) where buckets[index].count >= rank {
        found = index
        break
    }
    if found == buckets.count - 1 { return buckets[buckets.count - 2].upperBound }
    if found == 0 && buckets[0].upperBound <= 0 { return buckets[0].upperBound }
    var bucketStart = 0.0
    let bucketEnd = buckets[found].upperBound
    var count = buckets[found].count
    if found > 0 {
        bucketStart = buckets[found - 1].upperBound
        count -= buckets[found - 1].count
        rank -= buckets[found - 1].count
    }
    return bucketStart + (bucketEnd - bucketStart) * (rank / count)
}
