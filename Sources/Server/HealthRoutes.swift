import Foundation
public import Hummingbird
public import InfermonCore
import Synchronization

/// Liveness and readiness for load balancers and systemd: `/healthz` answers
/// while the process serves HTTP; `/readyz` only once the daemon says it is ready
/// (store open, collectors started), not while it shuts down, and not while a
/// component (a file source, say) is down: a stalled daemon must not look ready.
public final class Readiness: Sendable {
    private let state = Mutex<(ready: Bool, reason: String)>((false, "starting"))
    private let health: ComponentHealth?
    private let clock: any WallClock

    public init(health: ComponentHealth? = nil, clock: any WallClock = SystemWallClock()) {
        self.health = health
        self.clock = clock
    }

    public func set(ready: Bool, reason: String) { state.withLock { $0 = (ready, reason) } }

    /// Each component's state, for `/api/v1/status/components` and `infermon stats`.
    public var components: [ComponentStatus] {
        (health?.snapshot() ?? []).map { component, state in
            ComponentStatus(
                component: component, up: state.isUp, since: TimeParsing.formatRFC3339(state.since),
                error: state.lastError, failures: state.failures)
        }
    }

    public var current: (ready: Bool, reason: String) {
        let declared = state.withLock { $0 }
        guard declared.ready, let down = health?.down(now: clock.now()), !down.isEmpty else { return declared }
        let reasons = down.map { "\($0.component) down for \(TimeParsing.formatDuration(max(0, $0.for))): \($0.error)" }
        return (false, reasons.joined(separator: "; "))
    }
}

/// One component as `/api/v1/status/components` lists it.
public struct ComponentStatus: Codable, Sendable, Equatable {
    public var component: String
    public var up: Bool
    /// RFC 3339: when it last went up or down.
    public var since: String
    public var error: String?
    /// Failed attempts since it was last up.
    public var failures: Int
}

public struct HealthRoutes: HTTPRouteModule {
    let readiness: Readiness
    let version: String

    public init(readiness: Readiness, version: String) {
        self.readiness = readiness
        self.version = version
    }

    public func register(on router: Router<BasicRequestContext>) {
        router.get("/healthz") { _, _ in APIResponse.text("ok\n") }
        router.get("/readyz") { _, _ in
            let state = readiness.current
            return state.ready
                ? APIResponse.text("ready\n")
                : APIResponse.text("not ready: \(state.reason)\n", status: .serviceUnavailable)
        }
        router.get("/api/v1/status/components") { _, _ in
            struct Answer: Encodable {
                var status = "success"
                var data: [ComponentStatus]
            }
            return try APIResponse.json(encoding: Answer(data: readiness.components))
        }
        let version = self.version
        // Prometheus's endpoint (Grafana reads it), in its key order.
        router.get("/api/v1/status/buildinfo") { _, _ in
            var body = #"{"status":"success","data":{"version":"#
            writeJSONString(version, to: &body)
            body += #","revision":"","branch":"","buildUser":"","buildDate":"","goVersion":"swift"}}"#
            return APIResponse.json(body)
        }
    }
}
