import InfermonCore

/// How long each kind of data is kept, in milliseconds.
public struct RetentionPolicy: Sendable, Equatable {
    /// Raw events and their texts: what drift windows, sampling and SQL read.
    public var events: Int64
    /// Per-interval rollups: long-range counters and quantiles.
    public var rollups: Int64
    /// Named series: scraped metrics, detector outputs, recording rules.
    public var samples: Int64
    public var deadLetters: Int64

    public static let day: Int64 = 86_400_000

    public init(
        events: Int64 = 7 * day, rollups: Int64 = 90 * day, samples: Int64 = 90 * day, deadLetters: Int64 = 14 * day
    ) {
        self.events = events
        self.rollups = rollups
        self.samples = samples
        self.deadLetters = deadLetters
    }
}

public struct StoreOptions: Sendable, Equatable {
    /// Width of a rollup interval. Fixed when a store is created: a store keeps
    /// the interval it was made with, whatever a later config says.
    public var rollupInterval: Int64
    public var retention: RetentionPolicy
    /// SQLite page cache per connection, in KiB.
    public var cacheSizeKiB: Int
    /// Read connections at most, so that queries from the dashboard, the rule
    /// evaluator and API clients run side by side instead of queueing behind one
    /// (at least 1; they open as needed). Writes always have one connection of their own.
    public var readConnections: Int

    public init(
        rollupInterval: Int64 = 60_000, retention: RetentionPolicy = RetentionPolicy(), cacheSizeKiB: Int = 16_384,
        readConnections: Int = 4
    ) {
        self.rollupInterval = rollupInterval
        self.retention = retention
        self.cacheSizeKiB = cacheSizeKiB
        self.readConnections = readConnections
    }
}
