import Dispatch
import InfermonCore
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// A read connection as the synchronous read protocols use it: every query
/// waits at most `timeout`. A server that stopped answering without closing
/// the connection (its host or the network gone, no RST) would otherwise hold
/// the reading thread, and the reader with it, for the ~15 minutes TCP takes
/// to give up; several such reads would hold every thread that serves queries.
/// A query that times out closes its connection, so the pool drops the reader
/// and the next read opens another.
struct PostgresReadConnection {
    let connection: PostgresConnection
    let timeout: Duration

    func rows(_ query: PostgresQuery, logger: Logger) throws -> [PostgresRow] {
        try connection.rows(query, timeout: timeout, logger: logger)
    }
}

/// A read the database did not answer in time.
struct ReaderTimeout: Error, CustomStringConvertible {
    let limit: Duration
    var description: String { "the database did not answer a read within \(limit.prometheusText)" }
}

extension PostgresConnection {
    /// Runs a query and collects its rows, blocking the calling thread (never
    /// an event loop's) for at most `timeout`; then closes the connection and
    /// throws `ReaderTimeout`.
    func rows(_ query: PostgresQuery, timeout: Duration, logger: Logger) throws -> [PostgresRow] {
        let outcome = BlockingOutcome<PostgresQueryResult>()
        checkedQuery(query, logger: logger).whenComplete { outcome.complete($0) }
        guard let result = outcome.wait(for: timeout) else {
            logger.warning(
                "the database did not answer a read in time; closing its connection",
                metadata: ["timeout": "\(timeout.prometheusText)"])
            let closing: EventLoopFuture<Void> = close()
            closing.whenComplete { _ in }
            throw ReaderTimeout(limit: timeout)
        }
        return try result.get().rows
    }
}

/// A result another thread completes, waited for with a deadline.
final class BlockingOutcome<T: Sendable>: Sendable {
    private let result = Mutex<Result<T, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    func complete(_ value: Result<T, any Error>) {
        result.withLock { $0 = value }
        done.signal()
    }

    /// The result, or nil when `limit` passed first.
    func wait(for limit: Duration) -> Result<T, any Error>? {
        let (seconds, attoseconds) = limit.components
        let nanoseconds = Int(clamping: seconds) &* 1_000_000_000 &+ Int(attoseconds / 1_000_000_000)
        guard done.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .success else { return nil }
        return result.withLock { $0 }
    }
}
