import Dispatch
import InfermonCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A real HTTP/1.1 server on 127.0.0.1 and an ephemeral port, standing in for
/// an exporter (a vLLM server's `/metrics`) in scrape tests. Plain sockets and
/// one thread per connection: test targets need no server framework, and a
/// test can make the target go away for real with `stop()`: the port then
/// refuses connections and open keep-alive connections are closed, so a
/// client's pooled connection cannot keep reaching a target that is gone
/// (which `LoopbackHTTPServer` allows). Call `stop()` at the end of a test:
/// the accepting thread keeps the server alive until then.
public final class ScrapeTargetServer: Sendable {
    public struct Request: Sendable {
        public var method: String
        public var path: String
        /// Header names in lowercase.
        public var headers: [String: String]
    }

    public enum Reply: Sendable {
        case respond(status: Int, contentType: String, body: [UInt8])
        /// Read the request and never answer until the server stops: a hung exporter.
        case hang

        /// A metrics page in the classic Prometheus text format.
        public static func page(_ text: String) -> Reply {
            .respond(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: Array(text.utf8))
        }
    }

    public let port: Int
    private let listener: Int32
    private let handler: @Sendable (Request) -> Reply
    private let state = Mutex(State())
    private let released = DispatchSemaphore(value: 0)

    private struct State {
        var stopped = false
        var connections: Set<Int32> = []
        var hanging = 0
        var requests = 0
    }

    public init(handler: @escaping @Sendable (Request) -> Reply) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw InfermonError.io("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 32) == 0 else {
            close(fd)
            throw InfermonError.io("cannot listen on 127.0.0.1: \(String(cString: strerror(errno)))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        Self.detach { [self] in acceptConnections() }
    }

    deinit { stop() }

    /// `127.0.0.1:PORT`, the form scrape targets are configured in.
    public var address: String { "127.0.0.1:\(port)" }

    /// Requests answered or hung so far.
    public var requestCount: Int { state.withLock { $0.requests } }

    /// Stops listening and drops every connection: from now on the target is gone.
    public func stop() {
        let (connections, hanging) = state.withLock { state -> (Set<Int32>, Int) in
            guard !state.stopped else { return ([], 0) }
            state.stopped = true
            return (state.connections, state.hanging)
        }
        shutdown(listener, Int32(SHUT_RDWR))
        for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) }
        for _ in 0..<hanging { released.signal() }
    }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    private func acceptConnections() {
        defer { close(listener) }
        while true {
            let fd = accept(listener, nil, nil)
            if isStopped {
                if fd >= 0 { close(fd) }
                return
            }
            guard fd >= 0 else { continue }
            state.withLock { _ = $0.connections.insert(fd) }
            Self.detach { [self] in serve(fd) }
        }
    }

    private func serve(_ fd: Int32) {
        defer {
            state.withLock { _ = $0.connections.remove(fd) }
            close(fd)
        }
        var buffer: [UInt8] = []
        while !isStopped, let request = readRequest(fd, &buffer) {
            state.withLock { $0.requests += 1 }
            switch handler(request) {
            case .hang:
                let stopped = state.withLock { state -> Bool in
                    if !state.stopped { state.hanging += 1 }
                    return state.stopped
                }
                if !stopped { released.wait() }
                return
            case .respond(let status, let contentType, let body):
                let head =
                    "HTTP/1.1 \(status) \(status < 400 ? "OK" : "Error")\r\nContent-Type: \(contentType)\r\n"
                    + "Content-Length: \(body.count)\r\n\r\n"
                guard send(fd, Array(head.utf8) + body) else { return }
            }
        }
    }

    /// One request's head (scrapes are GETs without a body); nil at end of stream.
    private func readRequest(_ fd: Int32, _ buffer: inout [UInt8]) -> Request? {
        var end: Int?
        while end == nil {
            end = buffer.indices.dropLast(3).first { index in
                buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10
            }
            if end != nil { break }
            var chunk = [UInt8](repeating: 0, count: 16_384)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return nil }
            buffer += chunk[0..<count]
        }
        let head = String(decoding: buffer[..<end!], as: UTF8.self)
        buffer.removeFirst(end! + 4)
        var lines = head.split(separator: "\r\n").map(String.init)
        guard !lines.isEmpty else { return nil }
        let requestLine = lines.removeFirst().split(separator: " ").map(String.init)
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...].drop { $0 == " " })
        }
        return Request(
            method: requestLine.first ?? "", path: requestLine.count > 1 ? requestLine[1] : "", headers: headers)
    }

    private func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    /// Runs `body` on a detached POSIX thread: connections block in recv, and a
    /// thread each keeps a hung one from starving the rest.
    private static func detach(_ body: @escaping @Sendable () -> Void) {
        final class Box {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(
            &thread, nil,
            { raw in
                Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().body()
                return nil
            }, context)
        if created == 0 { pthread_detach(thread) } else { Unmanaged<Box>.fromOpaque(context).release() }
    }
}
