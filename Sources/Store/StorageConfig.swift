public import InfermonCore
public import InfermonYAML

/// The `storage:` section: where the database is, what the store is opened
/// with (`StoreOptions`, with its defaults), how often retention runs, and how
/// far ahead of this host's clock an event may be stamped.
///
/// ```yaml
/// storage:
///   path: /var/lib/infermon/infermon.db   # default: $STATE_DIRECTORY/infermon.db
///   rollup_interval: 1m
///   retention: {events: 7d, rollups: 90d, samples: 90d, dead_letters: 14d}
///   retention_check_interval: 5m
///   future_tolerance: 5m
///   backend: sqlite             # or postgres, with a postgres: section (`PostgresSettings`)
/// ```
public struct StorageConfig: Sendable, Equatable {
    /// nil means "$STATE_DIRECTORY/infermon.db, or ./infermon-data/infermon.db".
    public var path: String?
    public var options = StoreOptions()
    public var retentionCheckInterval = RetentionService.defaultInterval
    /// The time policy every ingest path applies (`future_tolerance`).
    public var timestamps = TimestampPolicy()
    /// Which store the daemon opens: the SQLite file at `path` (the default) or PostgreSQL.
    public var backend = Backend.sqlite
    /// Set when `backend` is postgres.
    public var postgres: PostgresSettings?

    public enum Backend: String, Sendable, CaseIterable {
        case sqlite, postgres
    }

    public init() {}

    public init(yaml value: YAMLValue) throws {
        let map = try value.mapping(allowed: [
            "path", "rollup_interval", "retention", "retention_check_interval", "future_tolerance", "backend",
            "postgres",
        ])
        if let backend = map["backend"] { self.backend = try backend.oneOf(Backend.self) }
        if let postgres = map["postgres"] { self.postgres = try PostgresSettings(yaml: postgres) }
        if backend == .postgres, postgres == nil {
            throw value.error("backend postgres needs a postgres: section with its url")
        }
        if let path = map["path"] { self.path = try path.filePath() }
        if let interval = map["rollup_interval"] {
            let millis = try interval.duration().millis
            guard millis >= 1000, 86_400_000 % millis == 0 else {
                throw interval.error("rollup_interval must be at least 1s and divide a day evenly")
            }
            options.rollupInterval = .milliseconds(millis)
        }
        if let check = map["retention_check_interval"] { retentionCheckInterval = try check.positiveDuration() }
        if let tolerance = map["future_tolerance"] { timestamps.futureTolerance = try tolerance.duration() }
        if let retention = map["retention"] {
            let fields = try retention.mapping(allowed: ["events", "rollups", "samples", "dead_letters"])
            if let events = fields["events"] { options.retention.events = try events.positiveDuration() }
            if let rollups = fields["rollups"] { options.retention.rollups = try rollups.positiveDuration() }
            if let samples = fields["samples"] { options.retention.samples = try samples.positiveDuration() }
            if let letters = fields["dead_letters"] { options.retention.deadLetters = try letters.positiveDuration() }
        }
    }

    /// The database path after applying the default rules.
    public func resolvedPath(environment: [String: String]) -> String {
        if let path { return path }
        if let state = environment["STATE_DIRECTORY"], !state.isEmpty {
            // systemd may pass several colon-separated directories; the first is ours.
            let first = state.split(separator: ":").first.map(String.init) ?? state
            return first + "/infermon.db"
        }
        return "./infermon-data/infermon.db"
    }
}
