public import InfermonCore
import Synchronization

/// A clock tests move by hand. Sleepers wake when `advance` passes their
/// deadline, so timing logic runs without real waiting and without races.
public final class ManualClock: WallClock {
    private struct State {
        var now: Timestamp
        var sleepers: [(deadline: Timestamp, continuation: CheckedContinuation<Void, any Error>, id: UInt64)] = []
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    public init(now: Timestamp = 1_800_000_000_000) { state = Mutex(State(now: now)) }

    public func now() -> Timestamp { state.withLock { $0.now } }

    /// Number of tasks currently sleeping on this clock, so a test can wait until
    /// the code under test has reached its sleep before advancing.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    public func sleep(until deadline: Timestamp) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // A cancellation that came before this point found no sleeper to
                // wake, so it is checked here, under the lock, before sleeping.
                let outcome = state.withLock { state -> Bool? in
                    if Task.isCancelled { return false }
                    if deadline <= state.now { return true }
                    state.sleepers.append((deadline, continuation, id))
                    return nil
                }
                switch outcome {
                case true?: continuation.resume()
                case false?: continuation.resume(throwing: CancellationError())
                case nil: break
                }
            }
        } onCancel: {
            let cancelled = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index).continuation
            }
            cancelled?.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and wakes every sleeper whose deadline has come.
    public func advance(by milliseconds: Int64) { set(to: now() + milliseconds) }

    public func set(to time: Timestamp) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.now = max(state.now, time)
            let due = state.sleepers.filter { $0.deadline <= state.now }
            state.sleepers.removeAll { $0.deadline <= state.now }
            return due.map(\.continuation)
        }
        for continuation in woken { continuation.resume() }
    }

    /// Suspends until at least `count` tasks sleep on the clock (polling with yields).
    public func waitForSleepers(_ count: Int = 1) async {
        while sleeperCount < count { await Task.yield() }
    }
}
