import Synchronization

/// Which long-running parts of the daemon are working. A part that fails
/// (a file source whose store writes fail on a full disk, say) keeps retrying
/// with backoff and says so here; `/readyz`, `infermon_component_up` and the
/// systemd watchdog read it, so a stall is an outage someone sees, and one
/// that lasts is a restart.
public final class ComponentHealth: Sendable {
    public struct State: Sendable, Equatable {
        public var isUp: Bool
        /// When it last went up or down.
        public var since: Timestamp
        public var lastError: String?
        /// Failed attempts since it was last up.
        public var failures: Int
    }

    private let states = Mutex<[String: State]>([:])

    public init() {}

    public func up(_ component: String, now: Timestamp) {
        states.withLock { states in
            if let state = states[component], state.isUp { return }
            states[component] = State(isUp: true, since: now, lastError: nil, failures: 0)
        }
    }

    public func down(_ component: String, error: String, now: Timestamp) {
        states.withLock { states in
            var state = states[component] ?? State(isUp: false, since: now, lastError: nil, failures: 0)
            if state.isUp { state = State(isUp: false, since: now, lastError: nil, failures: 0) }
            state.lastError = error
            state.failures += 1
            states[component] = state
        }
    }

    /// A component that no longer exists (a source removed on reload).
    public func remove(_ component: String) { _ = states.withLock { $0.removeValue(forKey: component) } }

    public func snapshot() -> [(component: String, state: State)] {
        states.withLock { $0.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }

    /// Components that are down, and for how long at `now`.
    public func down(now: Timestamp) -> [(component: String, for: Int64, error: String)] {
        snapshot().filter { !$0.state.isUp }.map { ($0.component, now - $0.state.since, $0.state.lastError ?? "") }
    }
}
