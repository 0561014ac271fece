public import Hummingbird
import InfermonCore

/// Who may call what. Writes (ingest, reload, silences) always need the bearer
/// token; when the server listens beyond loopback, every endpoint does. The
/// token is compared in constant time and never logged.
public struct AccessPolicy: Sendable {
    let token: [UInt8]?
    let protectReads: Bool

    /// - Parameters:
    ///   - token: the configured token, or nil when none is set (writes are then refused).
    ///   - listeningOnLoopback: false when the listen address is reachable from other hosts.
    public init(token: String?, listeningOnLoopback: Bool) throws {
        self.token = token.map { Array($0.utf8) }
        self.protectReads = !listeningOnLoopback
        if !listeningOnLoopback && token == nil {
            throw InfermonError.invalidArgument(
                "server.listen is not a loopback address, so server.auth.token_file must be set")
        }
    }

    /// True for `127.0.0.0/8`, `::1` and `localhost`.
    public static func isLoopback(host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    func allows(authorization: String?, isWrite: Bool) -> AccessDecision {
        guard isWrite || protectReads else { return .allowed }
        guard let token else { return .noTokenConfigured }
        guard let authorization, authorization.hasPrefix("Bearer ") else { return .missing }
        return constantTimeEqual(Array(authorization.utf8.dropFirst(7)), token) ? .allowed : .wrong
    }

    enum AccessDecision { case allowed, missing, wrong, noTokenConfigured }
}

/// Compares without an early exit, so timing does not reveal how much matched.
func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
    for index in 0..<max(a.count, b.count) {
        let left = index < a.count ? a[index] : 0
        let right = index < b.count ? b[index] : 0
        difference |= left ^ right
    }
    return difference == 0
}

/// Applies an `AccessPolicy`; `isWrite` says which requests change state.
public struct AccessControlMiddleware<Context: RequestContext>: RouterMiddleware {
    let policy: AccessPolicy

    public init(policy: AccessPolicy) { self.policy = policy }

    static func isWrite(_ request: Request) -> Bool {
        let path = request.uri.path
        if path == "/api/v1/events" || path == "/v1/traces" || path.hasPrefix("/-/") { return true }
        // Truth labels are written with the push endpoint's token; a form POST is a Prometheus read.
        if path == "/api/v1/labels" { return LabelIngest.isLabelBody(request) }
        if path.hasPrefix("/api/v2/silence") {
            return request.method != .get && request.method != .head
        }
        return false
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws
        -> Response
    {
        switch policy.allows(authorization: request.headers[.authorization], isWrite: Self.isWrite(request)) {
        case .allowed:
            return try await next(request, context)
        case .noTokenConfigured:
            return APIResponse.error(
                status: .forbidden, type: "unauthorized",
                message: "this endpoint needs a bearer token; set server.auth.token_file in the configuration")
        case .missing, .wrong:
            var response = APIResponse.error(
                status: .unauthorized, type: "unauthorized", message: "missing or wrong bearer token")
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
    }
}
