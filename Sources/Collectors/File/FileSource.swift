public import InfermonCore

/// One configured set of log files read with one profile.
public struct FileSourceOptions: Sendable, Equatable {
    public var name: String
    /// Shell globs, e.g. `/var/log/gateway/*.jsonl`.
    public var paths: [String]
    public var profile: ProfileKind
    /// Longer lines are dead-lettered, not buffered without bound.
    public var maxLineBytes: Int
    /// How often files are checked for growth and new files.
    public var pollInterval: Duration
    /// Polls without growth after which a rotated-away or deleted file is finished.
    public var rotatedIdlePolls: Int
    /// Events per store transaction, at most.
    public var batchEvents: Int
    /// Which event times are accepted; the rest are dead letters.
    public var timestamps: TimestampPolicy

    /// Every transaction rewrites the open rollup row of each event key it touches,
    /// and those rows sit on a page per key; a backlog read in large transactions
    /// pays that once per 50,000 events instead of once per few thousand. Live
    /// tailing commits whatever one poll found, so this bounds only catch-up.
    public static let defaultBatchEvents = 50_000
    /// The longest line kept by default: a chat request with its whole context fits.
    public static let defaultMaxLineBytes = 1 << 20
    /// Input read into one batch, at most, whatever its event count.
    public static let maxBatchBytes = 32 << 20

    public init(
        name: String, paths: [String], profile: ProfileKind = .native, maxLineBytes: Int = defaultMaxLineBytes,
        pollInterval: Duration = .milliseconds(250), rotatedIdlePolls: Int = 20, batchEvents: Int = defaultBatchEvents,
        timestamps: TimestampPolicy = TimestampPolicy()
    ) {
        self.timestamps = timestamps
        self.name = name
        self.paths = paths
        self.profile = profile
        self.maxLineBytes = maxLineBytes
        self.pollInterval = pollInterval
        self.rotatedIdlePolls = rotatedIdlePolls
        self.batchEvents = batchEvents
    }
}
