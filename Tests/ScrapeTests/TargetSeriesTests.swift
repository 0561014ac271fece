import InfermonCore
import Scrape
import Testing

/// Prometheus' scrape semantics without the network: target labels, report
/// series and stale markers, from one scrape to the next.
@Suite("Target series")
struct TargetSeriesTests {
    let target = ScrapeTarget(job: "vllm", address: "gpu-1:8000", labels: ["cluster": "a"])

    func sample(_ samples: [(labels: Labels, sample: Sample)], _ name: String) -> [(labels: Labels, sample: Sample)] {
        samples.filter { $0.labels.name == name }
    }

    @Test func targetLabelsWinAndScrapedOnesAreKeptAsExported() {
        let series = TargetSeries(targetLabels: target.targetLabels)
        let federated = Labels(name: "up", ["job": "node", "instance": "db:9100", "exported_job": "older", "x": "1"])
        let result = series.applyTargetLabels(to: federated)
        #expect(
            result
                == Labels(
                    name: "up",
                    [
                        "job": "vllm", "instance": "gpu-1:8000", "cluster": "a", "x": "1",
                        // `exported_job` is taken by the scraped series itself, so the
                        // conflicting `job` moves one prefix further, as in Prometheus.
                        "exported_instance": "db:9100", "exported_job": "older", "exported_exported_job": "node",
                    ]))
        let plain = series.applyTargetLabels(to: Labels(name: "vllm:num_requests_waiting", ["model_name": "m"]))
        #expect(
            plain
                == Labels(
                    name: "vllm:num_requests_waiting",
                    ["model_name": "m", "job": "vllm", "instance": "gpu-1:8000", "cluster": "a"]))
    }

    @Test func staticLabelsMayOverrideJobAndInstance() {
        let custom = ScrapeTarget(job: "vllm", address: "10.0.0.5:8000", labels: ["instance": "gpu-1"])
        #expect(custom.targetLabels == Labels(["job": "vllm", "instance": "gpu-1"]))
    }

    @Test func vanishedSeriesGetStaleMarkersAndReportsAreWritten() throws {
        var series = TargetSeries(targetLabels: target.targetLabels)
        let first = try parse("a 1\nb{x=\"1\"} 2\nb{x=\"2\"} 3\n")
        let (samples, stale) = series.scraped(first, at: 1000, durationSeconds: 0.25)
        #expect(stale == 0)
        #expect(samples.count == 3 + 3)
        #expect(sample(samples, "up").map(\.sample) == [Sample(1000, 1)])
        #expect(sample(samples, "scrape_duration_seconds").map(\.sample) == [Sample(1000, 0.25)])
        #expect(sample(samples, "scrape_samples_scraped").map(\.sample) == [Sample(1000, 3)])
        #expect(
            sample(samples, "up")[0].labels
                == Labels(name: "up", ["job": "vllm", "instance": "gpu-1:8000", "cluster": "a"]))

        let second = try parse("a 5\nb{x=\"2\"} 6\nc 7\n")
        let (next, staleNext) = series.scraped(second, at: 2000, durationSeconds: 0.1)
        #expect(staleNext == 1)
        let markers = next.filter { $0.sample.isStaleMarker }
        #expect(markers.count == 1)
        #expect(markers[0].labels == series.applyTargetLabels(to: Labels(name: "b", ["x": "1"])))
        #expect(markers[0].sample.timestamp == 2000)
        #expect(series.current.count == 3)
    }

    @Test func failedScrapeMarksEverythingStaleAndReportsDown() throws {
        var series = TargetSeries(targetLabels: target.targetLabels)
        _ = series.scraped(try parse("a 1\nb 2\n"), at: 1000, durationSeconds: 0.1)
        let (samples, stale) = series.failed(at: 2000, durationSeconds: 10)
        #expect(stale == 2)
        #expect(samples.filter { $0.sample.isStaleMarker }.map { $0.labels.name } == ["a", "b"])
        #expect(sample(samples, "up").map(\.sample) == [Sample(2000, 0)])
        #expect(sample(samples, "scrape_samples_scraped").map(\.sample) == [Sample(2000, 0)])
        // Nothing is left to mark: a second failure writes only the report.
        let (again, staleAgain) = series.failed(at: 3000, durationSeconds: 10)
        #expect(staleAgain == 0 && again.count == 3)
    }

    @Test func explicitTimestampsAreStoredAsGivenAndNotTracked() throws {
        var series = TargetSeries(targetLabels: target.targetLabels)
        let (samples, _) = series.scraped(try parse("t 1 500\nu 2\n"), at: 1000, durationSeconds: 0)
        #expect(sample(samples, "t").map(\.sample) == [Sample(500, 1)])
        #expect(sample(samples, "u").map(\.sample) == [Sample(1000, 2)])
        let (next, stale) = series.scraped(try parse("u 3\n"), at: 2000, durationSeconds: 0)
        #expect(stale == 0, "t had its own timestamp, so its absence says nothing")
        #expect(!next.contains { $0.sample.isStaleMarker })
    }

    @Test func removedTargetMarksItsSeriesAndReportSeriesStaleAfterTheLastScrape() throws {
        var series = TargetSeries(targetLabels: target.targetLabels)
        _ = series.scraped(try parse("a 1\n"), at: 5000, durationSeconds: 0)
        let markers = series.removed(at: 5000)
        #expect(markers.allSatisfy { $0.sample.isStaleMarker && $0.sample.timestamp == 5001 })
        #expect(
            Set(markers.compactMap { $0.labels.name }) == [
                "a", "up", "scrape_duration_seconds", "scrape_samples_scraped",
            ])
    }
}
