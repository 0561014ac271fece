import InfermonCore

/// How long each kind of data is kept.
public struct RetentionPolicy: Sendable, Equatable {
    /// Raw events and their texts: what drift windows, sampling and SQL read.
    public var events: Duration
    /// Per-interval rollups: long-range counters and quantiles.
    public var rollups: Duration
    /// Named series: scraped metrics, detector outputs, recording rules.
    public var samples: Duration
    public var deadLetters: Duration

    public static let day = Duration.seconds(86_400)

    public init(
        events: Duration = day * 7, rollups: Duration = day * 90, samples: Duration = day * 90,
        deadLetters: Duration = day * 14
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
    public var rollupInterval: Duration
    public var retention: RetentionPolicy
    /// SQLite page cache per connection, in KiB.
    public var cacheSizeKiB: Int
    /// Read connections at most, so that queries from the dashboard, the rule
    /// evaluator and API clients run side by side instead of queueing behind one
    /// (at least 1; they open as needed). Writes always have one connection of their own.
    public var readConnections: Int

    public init(
        rollupInterval: Duration = .seconds(60), retention: RetentionPolicy = RetentionPolicy(),
        cacheSizeKiB: Int = 16_384,
        readConnections: Int = 4
    ) {
        self.rollupInterval = rollupInterval
        self.retention = retention
        self.cacheSizeKiB = cacheSizeKiB
        self.readConnections = readConnections
    }
}
