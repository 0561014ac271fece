import Hummingbird
import HummingbirdTesting
import InfermonCore
import Logging
import NIOCore
import Server
import Testing

/// The daemon's HTTP server in this process, through Hummingbird's router test
/// client: the middleware and routes as the daemon mounts them, no port, no daemon.
@Suite struct HTTPServerTests {
    static func app(token: String? = nil, maxBodyBytes: Int = 1024, readiness: Readiness = Readiness()) throws
        -> some ApplicationProtocol
    {
        InfermonHTTPServer.make(
            options: ServerOptions(port: 0, maxBodyBytes: maxBodyBytes),
            access: try AccessPolicy(token: token, listeningOnLoopback: true),
            modules: [HealthRoutes(readiness: readiness, version: "test"), AdminRoutes(reload: { .success(()) })],
            logger: Logger(label: "test"))
    }

    @Test func readyIsWhatTheDaemonDeclared() async throws {
        let readiness = Readiness()
        try await Self.app(readiness: readiness).test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .serviceUnavailable) }
            readiness.set(ready: true, reason: "")
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func writesNeedTheBearerTokenAndLoopbackReadsDoNot() async throws {
        try await Self.app().test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/-/reload", method: .post) { #expect($0.status == .forbidden) }
        }
        try await Self.app(token: "secret").test(.router) { client in
            try await client.execute(uri: "/-/reload", method: .post, headers: [.authorization: "Bearer wrong"]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/-/reload", method: .post, headers: [.authorization: "Bearer secret"]) {
                #expect($0.status == .ok)
            }
        }
    }

    @Test func aBodyOverTheLimitIsRefusedBeforeAnyHandler() async throws {
        try await Self.app(token: "secret", maxBodyBytes: 16).test(.router) { client in
            try await client.execute(
                uri: "/-/reload", method: .post, headers: [.authorization: "Bearer secret", .contentLength: "17"],
                body: ByteBuffer(string: String(repeating: "x", count: 17))
            ) { #expect($0.status == .contentTooLarge) }
        }
    }
}
