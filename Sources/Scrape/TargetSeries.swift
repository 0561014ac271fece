public import InfermonCore

/// The series one target exposes, from scrape to scrape: turns each scrape into
/// the samples to append, with target labels applied and stale markers for
/// series that are gone, the way Prometheus does it:
///
/// - a series present last time and missing now gets `Sample.staleNaN` at the
///   scrape's timestamp, so queries stop returning it at once instead of five
///   minutes later;
/// - a failed scrape (connection refused, timeout, HTTP error, unparsable body)
///   marks every series of the target stale and reports `up` 0;
/// - a target removed from the configuration marks its series and its report
///   series (`up`, …) stale;
/// - samples with an explicit timestamp are not tracked, since the exporter
///   owns their timing.
public struct TargetSeries: Sendable {
    public let targetLabels: Labels
    /// Series stored by the last scrape, without explicit timestamps.
    public private(set) var current: Set<Labels> = []
    /// Timestamp of the last scrape whose samples were produced.
    public private(set) var lastTimestamp: Timestamp?

    public init(targetLabels: Labels, current: Set<Labels> = [], lastTimestamp: Timestamp? = nil) {
        self.targetLabels = targetLabels
        self.current = current
        self.lastTimestamp = lastTimestamp
    }

    /// The samples of a successful scrape and its report.
    public mutating func scraped(_ exposition: Exposition, at time: Timestamp, durationSeconds: Double)
        -> (samples: [(labels: Labels, sample: Sample)], staleMarkers: Int)
    {
        var samples: [(labels: Labels, sample: Sample)] = []
        samples.reserveCapacity(exposition.samples.count + current.count + 3)
        var next: Set<Labels> = []
        for scraped in exposition.samples {
            let labels = applyTargetLabels(to: scraped.labels)
            if let explicit = scraped.timestamp {
                samples.append((labels, Sample(explicit, scraped.value)))
            } else {
                samples.append((labels, Sample(time, scraped.value)))
                next.insert(labels)
            }
        }
        let gone = current.subtracting(next)
        for labels in gone.sorted() { samples.append((labels, Sample(time, Sample.staleNaN))) }
        current = next
        lastTimestamp = time
        samples += report(up: true, durationSeconds: durationSeconds, scraped: exposition.samples.count, at: time)
        return (samples, gone.count)
    }

    /// The samples of a failed scrape: stale markers for everything, and `up` 0.
    public mutating func failed(at time: Timestamp, durationSeconds: Double)
        -> (samples: [(labels: Labels, sample: Sample)], staleMarkers: Int)
    {
        let gone = current
        var samples = gone.sorted().map { (labels: $0, sample: Sample(time, Sample.staleNaN)) }
        current = []
        lastTimestamp = time
        samples += report(up: false, durationSeconds: durationSeconds, scraped: 0, at: time)
        return (samples, gone.count)
    }

    /// Stale markers for every series of a target that is no longer scraped.
    /// Written after the last scrape's timestamp, since a store refuses a second
    /// sample at the same time.
    public mutating func removed(at time: Timestamp) -> [(labels: Labels, sample: Sample)] {
        let at = max(time, (lastTimestamp ?? time - 1) + 1)
        let reportSeries = ScrapeReportMetric.all.map { targetLabels.setting(Labels.metricName, to: $0) }
        let all = current.sorted() + reportSeries
        current = []
        return all.map { ($0, Sample(at, Sample.staleNaN)) }
    }

    /// honor_labels=false: the target's labels win, and a scraped label they
    /// would overwrite is kept as `exported_<name>` (`exported_exported_<name>`
    /// if that is taken too), so an exporter that re-exposes other jobs'
    /// metrics does not lose information.
    public func applyTargetLabels(to scraped: Labels) -> Labels {
        var result = scraped
        for label in targetLabels {
            if let existing = scraped[label.name], !existing.isEmpty {
                var renamed = "exported_" + label.name
                while let taken = result[renamed], !taken.isEmpty { renamed = "exported_" + renamed }
                result = result.setting(renamed, to: existing)
            }
            result = result.setting(label.name, to: label.value)
        }
        return result
    }

    private func report(up: Bool, durationSeconds: Double, scraped: Int, at time: Timestamp)
        -> [(labels: Labels, sample: Sample)]
    {
        [
            (targetLabels.setting(Labels.metricName, to: ScrapeReportMetric.up), Sample(time, up ? 1 : 0)),
            (targetLabels.setting(Labels.metricName, to: ScrapeReportMetric.duration), Sample(time, durationSeconds)),
            (
                targetLabels.setting(Labels.metricName, to: ScrapeReportMetric.samplesScraped),
                Sample(time, Double(scraped))
            ),
        ]
    }
}
