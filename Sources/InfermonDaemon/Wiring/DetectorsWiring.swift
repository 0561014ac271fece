import Detectors
import InfermonConfig
import InfermonCore
import Logging
import Store

/// Maps the `detectors:` section onto the Detectors module's options, and builds
/// the scheduled service the daemon runs.
package enum DetectorsWiring {
    package static func options(_ section: DetectorsSection) -> DetectorOptions {
        var options = DetectorOptions()
        options.interval = section.interval
        options.window = section.window
        switch section.reference {
        case .previous(let length): options.reference = .previousPeriod(length: length)
        case .fixed(let from, let through): options.reference = .fixed(from: from, through: through)
        case .baseline(let name): options.reference = .baseline(name: name)
        }
        options.drift.alpha = section.alpha
        options.drift.minimumSamples = section.minimumSamples
        options.drift.bootstrapReplicates = section.bootstrap
        for (test, floor) in section.thresholds {
            if let kind = DriftTest(rawValue: test) { options.drift.floors[kind] = floor }
        }
        for (field, test) in section.tests {
            if let kind = DriftTest(rawValue: test) { options.drift.overrides[field] = kind }
        }
        options.excludedFields = Set(section.exclude)
        options.groupBy = section.groupBy
        options.outlierCut = section.outlierCut
        options.anomalySmoothing = section.anomalySmoothing
        options.seasonal.smoothing = section.seasonalSmoothing
        options.seasonal.utcOffsetHours = section.utcOffsetHours
        options.changePoint.k = section.changePointK
        options.changePoint.h = section.changePointH
        options.changePoint.warmup = section.changePointWarmup
        options.changePoint.minimumScale = section.changePointMinimumScale
        options.judgeScoreFeature = section.judgeScoreFeature
        options.maximumEventsPerModel = section.maximumEventsPerModel
        return options
    }

    /// The service for `Daemon.make`, or nil when `detectors.enabled` is false.
    static func service(config: Configuration, store: SQLiteStore, clock: any WallClock = SystemWallClock())
        -> DetectorService?
    {
        guard config.detectors.enabled else { return nil }
        return DetectorService(
            reader: store, baselines: store, appender: store, options: options(config.detectors), clock: clock,
            logger: Logger(label: "infermon.detectors"))
    }
}

/// Times on the command line: RFC 3339, `now`, or `now-<duration>` / `-<duration>` (e.g. `now-2h`).
package func parseCommandTime(_ text: String, now: Timestamp) throws -> Timestamp {
    if text == "now" { return now }
    var relative: Substring?
    if text.hasPrefix("now-") {
        relative = text.dropFirst(4)
    } else if text.hasPrefix("-") {
        relative = text.dropFirst()
    }
    if let relative, let millis = TimeParsing.durationMillis(String(relative)) { return now - millis }
    if let millis = TimeParsing.rfc3339Millis(text) { return millis }
    // Unix seconds, as promtool and the Prometheus API take them (`1796563560`, `1796563560.5`).
    if let seconds = Double(text), seconds.isFinite, seconds > 0, seconds < 1e11,
        let millis = Timestamp(exactly: (seconds * 1000).rounded())
    {
        return millis
    }
    throw InfermonError.invalidArgument(
        "\"\(text)\" is not a time: use RFC 3339 (2026-01-01T00:00:00Z), Unix seconds, now, or now-<duration> such as now-2h"
    )
}
