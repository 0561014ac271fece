import InfermonConfig
import InfermonCore
import Logging
import Metrics
import Scrape

/// Maps the `scrape:` section onto scrape targets, and lets a reload change them.
enum ScrapeWiring {
    static func targets(_ section: ScrapeSection) -> [ScrapeTarget] {
        section.jobs.flatMap { job in
            job.targets.map { address in
                ScrapeTarget(
                    job: job.name, address: address, scheme: job.scheme, metricsPath: job.metricsPath,
                    interval: job.interval, timeout: job.timeout, labels: job.labels,
                    bearerTokenFile: job.bearerTokenFile)
            }
        }
    }

    static func service(config: Configuration, appender: any SampleAppender, clock: any WallClock) -> ScrapeService {
        ScrapeService(
            targets: targets(config.scrape), appender: appender, clock: clock, logger: Logger(label: "infermon.scrape"),
            observer: { report in
                let dimensions = [("job", report.target.job), ("instance", report.target.address)]
                Gauge(label: "infermon_scrape_up", dimensions: dimensions).record(report.up ? 1 : 0)
            })
    }
}

/// Scrape targets follow the reloaded configuration.
struct ScrapeParticipant: ReloadParticipant {
    let service: ScrapeService

    func prepare(_ config: Configuration) async throws -> @Sendable () async -> Void {
        let targets = ScrapeWiring.targets(config.scrape)
        return { await service.update(targets: targets) }
    }
}
