import Detectors
import InfermonConfig
public import InfermonCore
import Logging
import Store

/// Builds the scheduled detector service the daemon runs.
package enum DetectorsWiring {
    /// The service for `Daemon.make`, or nil when `detectors.enabled` is false.
    static func service(config: Configuration, store: any DaemonStore, clock: any WallClock = SystemWallClock())
        -> DetectorService?
    {
        guard config.detectors.enabled else { return nil }
        return DetectorService(
            reader: store, baselines: store, appender: store, options: config.detectors, clock: clock,
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
