import InfermonCore
import Logging

/// Scrapes one target on its own schedule until cancelled. Each scrape is
/// fetched, parsed and appended as one batch (samples, stale markers and the
/// report series together), so a reader never sees half a scrape.
final class ScrapeLoop: Sendable {
    let target: ScrapeTarget
    private let fetcher: HTTPScrapeFetcher
    private let appender: any SampleAppender
    private let clock: any WallClock
    private let logger: Logger
    private let observer: ScrapeService.Observer?

    init(
        target: ScrapeTarget, fetcher: HTTPScrapeFetcher, appender: any SampleAppender, clock: any WallClock,
        logger: Logger, observer: ScrapeService.Observer?
    ) {
        self.target = target
        self.fetcher = fetcher
        self.appender = appender
        self.clock = clock
        var logger = logger
        logger[metadataKey: "job"] = "\(target.job)"
        logger[metadataKey: "target"] = "\(target.url)"
        self.logger = logger
        self.observer = observer
    }

    /// Runs until the task is cancelled and returns the series state, so a
    /// replacement loop (after a reload) or the service (after a removal) can
    /// carry on from it.
    func run(_ initial: TargetSeries) async -> TargetSeries {
        var series = initial
        var wasUp = true
        // The first scrape happens at once; after a reload, not at the same
        // millisecond as the last one, which a store would refuse.
        var next = max(clock.now(), (series.lastTimestamp ?? .min) + 1)
        while !Task.isCancelled {
            do { try await clock.sleep(until: next) } catch { break }
            let time = clock.now()
            let started = monotonicNanoseconds()
            var failure: String?
            var exposition = Exposition()
            do {
                let response = try await fetcher.fetch(target)
                exposition = try ExpositionParser.parse(
                    response.body, format: ExpositionFormat(contentType: response.contentType))
            } catch {
                // A removed target's scrape is abandoned, not reported as down.
                if Task.isCancelled { break }
                failure = describe(error)
            }
            let duration = Double(monotonicNanoseconds() - started) / 1e9
            let (samples, stale) =
                failure == nil
                ? series.scraped(exposition, at: time, durationSeconds: duration)
                : series.failed(at: time, durationSeconds: duration)
            var report = ScrapeReport(
                target: target, timestamp: time, up: failure == nil, durationSeconds: duration,
                samplesScraped: failure == nil ? exposition.samples.count : 0, staleMarkers: stale, error: failure)
            do {
                try await appender.append(samples)
            } catch {
                report.appendError = "\(error)"
                logger.error("cannot store scraped samples", metadata: ["error": "\(error)"])
            }
            logTransition(from: wasUp, report)
            wasUp = report.up
            observer?(report)
            next = nextScrape(after: next)
        }
        return series
    }

    /// The next slot of the schedule; slots already past (a scrape slower than
    /// the interval, a suspended machine) are skipped rather than run in a burst.
    private func nextScrape(after previous: Timestamp) -> Timestamp {
        let interval = target.interval.millis
        let next = previous + interval
        let now = clock.now()
        guard next < now else { return next }
        return next + (now - next + interval - 1) / interval * interval
    }

    /// Warn when a target goes down and say when it is back; a target that stays
    /// down is not worth a line per scrape.
    private func logTransition(from wasUp: Bool, _ report: ScrapeReport) {
        if let error = report.error {
            if wasUp {
                logger.warning("scrape failed", metadata: ["error": "\(error)"])
            } else {
                logger.debug("scrape failed", metadata: ["error": "\(error)"])
            }
        } else if !wasUp {
            logger.info("target is up again", metadata: ["samples": "\(report.samplesScraped)"])
        }
    }

    private func describe(_ error: any Error) -> String {
        switch error {
        case let error as InfermonError: error.message
        case let error as ExpositionError: "cannot parse the response: \(error)"
        default: "\(error)"
        }
    }
}
