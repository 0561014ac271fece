import InfermonCore
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A real HTTP server on 127.0.0.1 and an ephemeral port that records every
/// request and answers as a test tells it to: succeed, fail, stall (never
/// answer), throttle with `Retry-After`, or redirect. Notification tests send
/// to it over real sockets.
public final class RecordingReceiver: Sendable {
    public struct Request: Sendable {
        public var method: String
        /// Path and query.
        public var uri: String
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        public var bodyText: String { String(decoding: body, as: UTF8.self) }
    }

    public enum Behavior: Sendable, Equatable {
        case respond(status: Int, body: String = "", headers: [String: String] = [:])
        /// Reads the request and never answers, until the receiver stops.
        case stall
        public static let ok = Behavior.respond(status: 200, body: "ok")
        public static func fail(_ status: Int = 500) -> Behavior { .respond(status: status, body: "failure \(status)") }
        public static func tooManyRequests(retryAfter: String, status: Int = 429) -> Behavior {
            .respond(status: status, body: "slow down", headers: ["Retry-After": retryAfter])
        }
        public static func redirect(to location: String, status: Int = 307) -> Behavior {
            .respond(status: status, headers: ["Location": location])
        }
    }

    private struct State {
        var requests: [Request] = []
        var scripted: [Behavior] = []
        var fallback: Behavior = .ok
        var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())
    private let channel: any Channel
    public let port: Int

    private init(channel: any Channel, port: Int) {
        self.channel = channel
        self.port = port
    }

    /// Starts a receiver; `stop()` it at the end of the test. A port of 0
    /// picks a free one; a given port brings a receiver back where one was.
    public static func start(port requested: Int = 0) async throws -> RecordingReceiver {
        let box = ReceiverBox()
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.backlog, value: 64)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(RecordingHandler(box: box))
                }
            }
        let channel = try await bootstrap.bind(host: "127.0.0.1", port: requested).get()
        let receiver = RecordingReceiver(channel: channel, port: channel.localAddress?.port ?? 0)
        box.receiver.withLock { $0 = receiver }
        return receiver
    }

    public func stop() async throws { try await channel.close() }

    /// A free port below Linux's ephemeral range (32768 and up), for a receiver
    /// that is down now and started later on the same port. A port in the
    /// ephemeral range can be taken meanwhile by a client's own retries: a TCP
    /// connect to a closed local port may be given that port as its source
    /// and connect to itself.
    public static func reservablePort() async throws -> Int {
        var generator = SystemRandomNumberGenerator()
        var lastError: (any Error)?
        for _ in 0..<200 {
            do {
                let probe = try await start(port: Int.random(in: 20_000..<32_000, using: &generator))
                try await probe.stop()
                return probe.port
            } catch {
                lastError = error
            }
        }
        throw lastError!
    }

    /// `http://127.0.0.1:PORT` plus `path`.
    public func url(_ path: String = "/") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// The answer for every request once the scripted ones are used up.
    public func setBehavior(_ behavior: Behavior) { state.withLock { $0.fallback = behavior } }

    /// Answers for the next requests, one each, in order.
    public func script(_ behaviors: Behavior...) { state.withLock { $0.scripted += behaviors } }

    public var requests: [Request] { state.withLock { $0.requests } }

    /// Waits (bounded by real time, as a safety net) until `count` requests have arrived.
    public func waitForRequests(_ count: Int, timeout: Duration = .seconds(20)) async -> [Request] {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let ready = self.state.withLock { state -> Bool in
                        if state.requests.count >= count { return true }
                        state.waiters.append((count, continuation))
                        return false
                    }
                    if ready { continuation.resume() }
                }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
            // Release a waiter the timeout left behind.
            let stranded = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
                defer { state.waiters.removeAll() }
                return state.waiters.map(\.continuation)
            }
            for continuation in stranded { continuation.resume() }
        }
        return requests
    }

    fileprivate func record(_ request: Request) -> Behavior {
        let (behavior, ready) = state.withLock { state -> (Behavior, [CheckedContinuation<Void, Never>]) in
            state.requests.append(request)
            let behavior = state.scripted.isEmpty ? state.fallback : state.scripted.removeFirst()
            let ready = state.waiters.filter { $0.count <= state.requests.count }.map(\.continuation)
            state.waiters.removeAll { $0.count <= state.requests.count }
            return (behavior, ready)
        }
        for continuation in ready { continuation.resume() }
        return behavior
    }
}

/// Lets handlers reach the receiver, which exists only after the bind.
private final class ReceiverBox: Sendable {
    let receiver = Mutex<RecordingReceiver?>(nil)
}

private final class RecordingHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let box: ReceiverBox
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(box: ReceiverBox) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(var buffer):
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let head, let receiver = box.receiver.withLock({ $0 }) else { return }
            let request = RecordingReceiver.Request(
                method: head.method.rawValue, uri: head.uri, headers: head.headers.map { ($0.name, $0.value) },
                body: body)
            let behavior = receiver.record(request)
            guard case .respond(let status, let text, let extra) = behavior else { return }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: String(text.utf8.count))
            headers.add(name: "Content-Type", value: "text/plain")
            for (name, value) in extra { headers.add(name: name, value: value) }
            let responseHead = HTTPResponseHead(
                version: head.version, status: HTTPResponseStatus(statusCode: status), headers: headers)
            context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            if !head.isKeepAlive { context.close(promise: nil) }
            self.head = nil
        }
    }
}
