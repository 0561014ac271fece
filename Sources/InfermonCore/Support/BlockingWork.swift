import NIOPosix

/// Where async code runs work that blocks a thread: queries (SQLite reads and
/// PromQL evaluation) for the HTTP API, the web UI, the rule evaluator and the
/// dashboard. Blocking a Swift concurrency thread stalls every task queued
/// behind it, so such work goes to a pool of its own threads instead.
///
/// The pool is fixed, so a burst of queries queues here rather than spawning a
/// thread each (as `DispatchQueue.global()` would). It has twice as many threads
/// as the store has read connections by default (`StoreOptions.readConnections`,
/// 4): a query holds a connection only while it reads, not while it evaluates,
/// so a short query can read while long ones evaluate instead of queueing
/// behind them here. Writes keep the store's own serial queue.
public enum BlockingWork {
    /// Threads in the pool.
    public static let threads = 8

    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        return pool
    }()

    /// Runs `body` on the pool and returns its result or rethrows its error.
    /// Work that has not started when the calling task is cancelled is dropped
    /// and this throws `CancellationError`; work that has started runs to its end.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }
}
