import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// One HTTP request as a test server saw it.
public struct RecordedRequest: Sendable, Equatable {
    public var method: String
    /// Path and query.
    public var path: String
    /// Header names lowercased.
    public var headers: [String: String]
    public var body: [UInt8]

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// A real HTTP server on 127.0.0.1 and an ephemeral port, standing in for an
/// exporter, a judge endpoint or any upstream a test talks to. A Hummingbird
/// application, so requests are parsed the way production parses them, and a
/// test can make the upstream hang or go away for real: after `stop()` the port
/// refuses connections and keep-alive connections are closed, so a client's
/// pooled connection cannot keep reaching a server that is gone.
public final class TestHTTPServer: Sendable {
    public enum Reply: Sendable {
        case respond(status: Int, headers: [(String, String)] = [], body: [UInt8] = [])
        /// Read the request and never answer until the server stops: a hung upstream.
        case hang

        /// A metrics page in the classic Prometheus text format.
        public static func page(_ text: String) -> Reply {
            .respond(
                status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
                body: Array(text.utf8))
        }
    }

    public let port: Int
    private let task: Task<Void, any Error>
    private let hangs: HangRelease
    private let requests: RequestCounter

    private init(port: Int, task: Task<Void, any Error>, hangs: HangRelease, requests: RequestCounter) {
        self.port = port
        self.task = task
        self.hangs = hangs
        self.requests = requests
    }

    /// Starts a server whose `handler` answers every request; `stop()` it at the end of the test.
    public static func start(handler: @escaping @Sendable (RecordedRequest) -> Reply) async throws -> TestHTTPServer {
        let hangs = HangRelease()
        let requests = RequestCounter()
        let router = Router()
        router.on("**", method: .get) { request, _ in try await respond(to: request, handler, hangs, requests) }
        router.on("**", method: .post) { request, _ in try await respond(to: request, handler, hangs, requests) }
        router.on("**", method: .put) { request, _ in try await respond(to: request, handler, hangs, requests) }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            // Quiet: a test stops its server by cancelling it, which Hummingbird reports as an error.
            logger: Logger(label: "test-http-server") { _ in SwiftLogNoOpLogHandler() })
        let task = Task { try await app.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw TestServerError("the test HTTP server did not start")
        }
        return TestHTTPServer(port: port, task: task, hangs: hangs, requests: requests)
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }
    /// `host:port`, as scrape targets are written.
    public var address: String { "127.0.0.1:\(port)" }
    public var requestCount: Int { requests.count.load(ordering: .acquiring) }

    /// Starts closing the listener and every connection and releases hung
    /// requests; returns at once so it can run in a `defer`.
    public func stop() {
        hangs.releaseAll()
        task.cancel()
    }

    /// Stops and waits until the port refuses connections.
    public func stopAndWait() async {
        stop()
        _ = try? await task.value
    }

    private static func respond(
        to request: Request, _ handler: @Sendable (RecordedRequest) -> Reply, _ hangs: HangRelease,
        _ requests: RequestCounter
    ) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 << 20)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let recorded = RecordedRequest(
            method: request.method.rawValue, path: request.uri.description, headers: headers,
            body: Array(buffer: body))
        requests.count.add(1, ordering: .acquiringAndReleasing)
        switch handler(recorded) {
        case .hang:
            await hangs.wait()
            throw HTTPError(.serviceUnavailable)
        case .respond(let status, let extra, let bytes):
            var fields = HTTPFields()
            for (name, value) in extra {
                if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
            }
            return Response(
                status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }
}

private final class RequestCounter: Sendable {
    let count = Atomic<Int>(0)
}

/// Holds hung requests until the server stops.
private final class HangRelease: Sendable {
    private let state = Mutex<(released: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let released = state.withLock { state -> Bool in
                if !state.released { state.waiters.append(continuation) }
                return state.released
            }
            if released { continuation.resume() }
        }
    }

    func releaseAll() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.released = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

public struct TestServerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
