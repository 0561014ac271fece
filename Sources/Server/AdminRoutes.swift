public import Hummingbird
public import InfermonCore

/// `POST /-/reload`, as Prometheus has it: re-read configuration now. The
/// answer says whether the new configuration is in force; on failure the old
/// one is, and the message carries the offending file:line:col.
public struct AdminRoutes: HTTPRouteModule {
    let reload: @Sendable () async -> Result<Void, InfermonError>

    public init(reload: @escaping @Sendable () async -> Result<Void, InfermonError>) { self.reload = reload }

    public func register(on router: Router<BasicRequestContext>) {
        router.post("/-/reload") { _, _ in
            switch await reload() {
            case .success: return APIResponse.json(#"{"status":"success"}"#)
            case .failure(let error):
                return APIResponse.error(status: .unprocessableContent, type: "bad_data", message: error.description)
            }
        }
    }
}
