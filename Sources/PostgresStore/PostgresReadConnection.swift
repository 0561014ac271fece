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
        guard let result = outcome.wait(for: timeout, timer: eventLoop) else {
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
///
/// The deadline is a task on an event loop, which counts on the monotonic
/// clock: a semaphore's own timeout is a realtime deadline on Linux, so a
/// system clock stepped forward ended reads early and one stepped back held
/// them past their limit.
final class BlockingOutcome<T: Sendable>: Sendable {
    private enum State {
        case pending
        case done(Result<T, any Error>)
        case timedOut
    }

    private let state = Mutex<State>(.pending)
    private let finished = DispatchSemaphore(value: 0)

    func complete(_ value: Result<T, any Error>) {
        finish(.done(value))
    }

    /// The result, or nil when `limit` passed first, timed on `timer`.
    func wait(for limit: Duration, timer: any EventLoop) -> Result<T, any Error>? {
        let (seconds, attoseconds) = limit.components
        let nanoseconds = Int64(clamping: seconds) &* 1_000_000_000 &+ attoseconds / 1_000_000_000
        let deadline = timer.scheduleTask(in: .nanoseconds(nanoseconds)) { self.finish(.timedOut) }
        finished.wait()
        deadline.cancel()
        return state.withLock { state in
            if case .done(let result) = state { return result }
            return nil
        }
    }

    /// The first of the answer and the deadline wins; only it wakes the waiter.
    private func finish(_ outcome: State) {
        let first = state.withLock { state in
            guard case .pending = state else { return false }
            state = outcome
            return true
        }
        if first { finished.signal() }
    }
}
