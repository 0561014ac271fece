public import Hummingbird
import InfermonCore
public import Logging
import NIOCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Where and how the HTTP API listens.
public struct ServerOptions: Sendable {
    public var host: String
    /// 0 picks a free port (tests); `onListening` reports which.
    public var port: Int
    /// Request bodies above this are refused with 413.
    public var maxBodyBytes: Int

    public init(host: String = "127.0.0.1", port: Int = 9464, maxBodyBytes: Int = 16 << 20) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
    }
}

/// A group of endpoints. Each API area (Prometheus query API, ingest, health,
/// self-metrics) is one module, so the daemon mounts only what it has wired.
public protocol HTTPRouteModule: Sendable {
    func register(on router: Router<BasicRequestContext>)
}

/// Builds the daemon's HTTP server: a Hummingbird application, which is a
/// swift-service-lifecycle `Service` and joins the daemon's service group.
public enum InfermonHTTPServer {
    public static func make(
        options: ServerOptions, access: AccessPolicy, modules: [any HTTPRouteModule], logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: AccessControlMiddleware(policy: access))
        router.add(middleware: BodyLimitMiddleware(limit: options.maxBodyBytes))
        for module in modules { module.register(on: router) }
        return Application(
            router: router,
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "infermon"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? options.port) },
            logger: logger)
    }
}

/// Refuses oversized bodies before a handler reads them, from the declared
/// length; handlers that stream still cap what they collect.
struct BodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let limit: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            return APIResponse.error(
                status: .contentTooLarge, type: "bad_data", message: "request body over \(limit) bytes")
        }
        return try await next(request, context)
    }
}

/// Response helpers shared by every module.
public enum APIResponse {
    public static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// A value encoded as JSON, for infermon's own answers (keys in alphabetical
    /// order). Answers that must match Prometheus byte for byte are written out
    /// by hand instead (`PrometheusJSON`, `RulesJSON`, `error`).
    public static func json(encoding value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    public static func text(
        _ text: String, status: HTTPResponse.Status = .ok, contentType: String = "text/plain; charset=utf-8"
    )
        -> Response
    {
        Response(
            status: status, headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// Prometheus's error envelope, written out so that its keys keep Prometheus's order.
    public static func error(status: HTTPResponse.Status, type: String, message: String) -> Response {
        var body = #"{"status":"error","errorType":"#
        writeJSONString(type, to: &body)
        body += #","error":"#
        writeJSONString(message, to: &body)
        body += "}"
        return json(body, status: status)
    }
}
