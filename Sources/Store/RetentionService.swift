public import InfermonCore
public import Logging
public import ServiceLifecycle

/// Runs retention on an interval, slice by slice, yielding to ingestion between
/// slices; on shutdown it stops between slices and checkpoints the WAL.
public struct RetentionService: Service {
    let store: SQLiteStore
    let interval: Duration
    let clock: any WallClock
    let logger: Logger

    /// How often retention runs unless configured (`storage.retention_check_interval`).
    public static let defaultInterval: Duration = .seconds(300)

    public init(store: SQLiteStore, interval: Duration, clock: any WallClock = SystemWallClock(), logger: Logger) {
        self.store = store
        self.interval = interval
        self.clock = clock
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await runOnce()
            } catch {
                logger.error("retention failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await clock.sleep(for: interval) }
        }
        store.close()
    }

    /// Deletes everything expired, in as many slices as it takes.
    @discardableResult
    public func runOnce() async throws -> RetentionReport {
        var total = RetentionReport()
        while !Task.isShuttingDownGracefully {
            let report = try await store.enforceRetention(now: clock.now())
            total.events += report.events
            total.rollups += report.rollups
            total.chunks += report.chunks
            total.deadLetters += report.deadLetters
            if report.isComplete { break }
            await Task.yield()
        }
        if total.total > 0 {
            logger.info(
                "retention removed expired data",
                metadata: [
                    "events": "\(total.events)", "rollups": "\(total.rollups)", "chunks": "\(total.chunks)",
                    "dead_letters": "\(total.deadLetters)",
                ])
        }
        return total
    }
}
