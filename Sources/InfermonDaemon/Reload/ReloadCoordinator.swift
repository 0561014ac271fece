import Collectors
public import InfermonConfig
import InfermonCore
import Logging
import Metrics
import Server
import Store

/// One part of the daemon that can take a new configuration. `prepare`
/// validates everything and does the expensive work (reading rule files,
/// compiling queries) without changing anything; the returned closure applies
/// it. All participants prepare before any applies, so a bad file anywhere
/// leaves the whole daemon on its old configuration.
protocol ReloadParticipant: Sendable {
    func prepare(_ config: Configuration) async throws -> @Sendable () async -> Void
}

/// Runs a reload on SIGHUP, `POST /-/reload` or `infermon reload`, one at a time,
/// telling systemd (`RELOADING=1` … `READY=1`) and recording the outcome in
/// `infermon_config_last_reload_successful`.
package actor ReloadCoordinator {
    private let configPath: String?
    private var current: Configuration
    private let participants: [any ReloadParticipant]
    private let notifier: SystemdNotifier
    private let logger: Logger
    private let clock: any WallClock
    private let succeeded = Gauge(label: "infermon_config_last_reload_successful")
    private let succeededAt = Gauge(label: "infermon_config_last_reload_success_timestamp_seconds")

    init(
        configPath: String?, current: Configuration, participants: [any ReloadParticipant], notifier: SystemdNotifier,
        clock: any WallClock, logger: Logger
    ) {
        self.configPath = configPath
        self.participants = participants
        self.current = current
        self.notifier = notifier
        self.clock = clock
        self.logger = logger
        succeeded.record(1)
        succeededAt.record(Double(clock.now()) / 1000)
    }

    var configuration: Configuration { current }

    @discardableResult
    func reload(trigger: String) async -> Result<Void, InfermonError> {
        notifier.reloading()
        defer { notifier.ready(status: "configuration reloaded (\(trigger))") }
        logger.info("reloading configuration", metadata: ["trigger": "\(trigger)"])
        do {
            let next =
                try configPath.map {
                    try ConfigurationLoader.load(path: $0)
                }
                ?? Configuration()
            try checkRestartOnlyKeys(next)
            var applies: [@Sendable () async -> Void] = []
            for participant in participants { applies.append(try await participant.prepare(next)) }
            for apply in applies { await apply() }
            current = next
            succeeded.record(1)
            succeededAt.record(Double(clock.now()) / 1000)
            logger.info("configuration reloaded")
            return .success(())
        } catch {
            succeeded.record(0)
            let failure = error as? InfermonError ?? InfermonError.invalidInput("\(error)")
            logger.error("reload failed; the previous configuration stays in force", metadata: ["error": "\(failure)"])
            return .failure(failure)
        }
    }

    /// Settings that only a restart can change are refused rather than half-applied:
    /// file sources, scrape targets, rules and the price table follow a reload;
    /// the sections read once at startup do not.
    private func checkRestartOnlyKeys(_ next: Configuration) throws {
        let changed = Self.restartOnlyChanges(from: current, to: next)
        if !changed.isEmpty {
            throw InfermonError.invalidInput(
                "\(changed.joined(separator: ", ")) can only change with a restart; revert it or restart infermon",
                at: SourceLocation(file: next.file ?? "configuration", line: 1, column: 1))
        }
    }

    /// The restart-only settings that differ between two configurations.
    package static func restartOnlyChanges(from current: Configuration, to next: Configuration) -> [String] {
        var changed: [String] = []
        if next.storage.resolvedPath(environment: processEnvironment)
            != current.storage.resolvedPath(environment: processEnvironment)
        {
            changed.append("storage.path")
        }
        if next.storage.options.rollupInterval != current.storage.options.rollupInterval {
            changed.append("storage.rollup_interval")
        }
        if next.storage.timestamps != current.storage.timestamps {
            changed.append("storage.future_tolerance")
        }
        if next.server.listen != current.server.listen { changed.append("server.listen") }
        if next.server.tokenFile != current.server.tokenFile { changed.append("server.auth.token_file") }
        if next.server.maxBodyBytes != current.server.maxBodyBytes { changed.append("server.max_body_bytes") }
        if next.server.ingestQueueEvents != current.server.ingestQueueEvents {
            changed.append("server.ingest_queue_events")
        }
        if next.server.queryTimeout != current.server.queryTimeout { changed.append("server.query_timeout") }
        if next.server.maxSamplesPerQuery != current.server.maxSamplesPerQuery {
            changed.append("server.max_samples_per_query")
        }
        // Read once at startup: a change is refused rather than reported as applied.
        // Compared by value: printing them compared dictionaries by key order,
        // so an unchanged configuration could be refused.
        let startupSections: [(String, Bool)] = [
            ("notifications", next.notifications == current.notifications),
            ("detectors", next.detectors == current.detectors),
            ("quality", next.quality == current.quality),
            ("budgets", next.budgets == current.budgets),
            ("slos", next.slos == current.slos),
            ("log", next.log == current.log),
        ]
        for (name, same) in startupSections where !same { changed.append(name) }
        return changed
    }
}

/// File sources follow the reloaded configuration.
struct FileSourcesParticipant: ReloadParticipant {
    let group: FileCollectorGroup

    func prepare(_ config: Configuration) async throws -> @Sendable () async -> Void {
        let sources = config.sources
        return { await group.apply(sources) }
    }
}
