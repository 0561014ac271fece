import InfermonConfig
import InfermonCore
import Logging
import Metrics
import Scrape

/// Builds the scrape service from the `scrape:` targets, and lets a reload change them.
enum ScrapeWiring {
    static func service(
        config: Configuration, appender: any SampleAppender, clock: any WallClock, health: ComponentHealth? = nil
    ) -> ScrapeService {
        ScrapeService(
            targets: config.scrape.targets, appender: appender, clock: clock, logger: Logger(label: "infermon.scrape"),
            observer: { report in
                let dimensions = [("job", report.target.job), ("instance", report.target.address)]
                Gauge(label: "infermon_scrape_up", dimensions: dimensions).record(report.up ? 1 : 0)
                // A target that is down is `up 0`, not a component down; a scrape
                // that cannot be stored is the scraper failing.
                let component = self.component(job: report.target.job)
                if let failure = report.appendError {
                    health?.down(component, error: failure, now: report.timestamp)
                } else {
                    health?.up(component, now: report.timestamp)
                }
            })
    }

    /// A scrape job's name in `ComponentHealth`.
    static func component(job: String) -> String { "scrape:\(job)" }
}

/// Scrape targets follow the reloaded configuration.
struct ScrapeParticipant: ReloadParticipant {
    let service: ScrapeService
    var health: ComponentHealth?

    func prepare(_ config: Configuration) async throws -> @Sendable () async -> Void {
        let targets = config.scrape.targets
        let jobs = Set(targets.map(\.job))
        return {
            await service.update(targets: targets)
            // A job removed on reload is no longer a component.
            for (component, _) in health?.snapshot() ?? []
            where component.hasPrefix("scrape:") && !jobs.contains(String(component.dropFirst("scrape:".count))) {
                health?.remove(component)
            }
        }
    }
}
