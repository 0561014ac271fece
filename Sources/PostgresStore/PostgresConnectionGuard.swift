import InfermonCore
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// PostgresNIO (this version) hands a query to its channel without a promise
/// for the write: a query sent on a connection that closed a moment before (the
/// server went away between two statements of a transaction, or right before
/// a `ROLLBACK`) is never answered, and its caller waits forever. Found when
/// PostgreSQL was stopped under load: a daemon's writer hung for good and its
/// files and pushes stopped being stored.
///
/// A guard watches one connection: operations run through it fail as soon as
/// the connection closes (or, given a timeout, when it passes), whatever the
/// connection's own promises do. The operation itself is left to end on its
/// own; it must not share state with the operations after it.
final class PostgresConnectionGuard: Sendable {
    private struct State {
        var closed = false
        var next = 0
        var waiting: [Int: @Sendable () -> Void] = [:]
    }

    private let state = Mutex(State())

    init(_ connection: PostgresConnection) {
        connection.closeFuture.whenComplete { [self] _ in
            let waiting = state.withLock { state -> [@Sendable () -> Void] in
                state.closed = true
                defer { state.waiting.removeAll() }
                return Array(state.waiting.values)
            }
            for fail in waiting { fail() }
        }
    }

    static let closedError = InfermonError.unavailable("the database connection closed")

    /// Runs `body`; throws `closedError` once the connection closes, or what
    /// `timeout` returns once it completes, whichever comes first.
    func run<T: Sendable>(
        timeout: (@Sendable () async -> any Error)? = nil, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let once = ResumeOnce<T>()
        return try await withCheckedThrowingContinuation { continuation in
            once.arm(continuation)
            let id = state.withLock { state -> Int? in
                guard !state.closed else { return nil }
                state.next += 1
                state.waiting[state.next] = { once.resume(.failure(Self.closedError)) }
                return state.next
            }
            guard let id else {
                once.resume(.failure(Self.closedError))
                return
            }
            // The timer ends with the work (its sleep is cancelled), so none piles up.
            let timer = TaskBox()
            let work = Task { [self] in
                let result: Result<T, any Error>
                do {
                    result = .success(try await body())
                } catch {
                    result = .failure(error)
                }
                state.withLock { _ = $0.waiting.removeValue(forKey: id) }
                once.resume(result)
                timer.cancel()
            }
            if let timeout {
                timer.set(
                    Task { [self] in
                        let error = await timeout()
                        guard !Task.isCancelled, once.resume(.failure(error)) else { return }
                        work.cancel()
                        state.withLock { _ = $0.waiting.removeValue(forKey: id) }
                    })
                if once.isDone { timer.cancel() }
            }
        }
    }
}

/// A task to cancel, set once.
final class TaskBox: Sendable {
    private let task = Mutex<Task<Void, Never>?>(nil)
    func set(_ task: Task<Void, Never>) { self.task.withLock { $0 = task } }
    func cancel() { task.withLock { $0?.cancel() } }
}

/// A continuation resumed by whoever comes first.
final class ResumeOnce<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)

    func arm(_ continuation: CheckedContinuation<T, any Error>) { self.continuation.withLock { $0 = continuation } }

    var isDone: Bool { continuation.withLock { $0 == nil } }

    /// True when this call resumed it.
    @discardableResult
    func resume(_ result: Result<T, any Error>) -> Bool {
        let taken = continuation.withLock { current -> CheckedContinuation<T, any Error>? in
            defer { current = nil }
            return current
        }
        taken?.resume(with: result)
        return taken != nil
    }
}

extension PostgresConnection {
    /// A query whose request reaches the channel only while it is open: sent
    /// from the channel's event loop after checking, so it cannot go to a
    /// channel that closed a moment before (see `PostgresConnectionGuard`).
    func checkedQuery(_ query: PostgresQuery, logger: Logger) -> EventLoopFuture<PostgresQueryResult> {
        eventLoop.flatSubmit {
            guard !self.isClosed else { return self.eventLoop.makeFailedFuture(PostgresConnectionGuard.closedError) }
            return self.query(query, logger: logger)
        }
    }
}
