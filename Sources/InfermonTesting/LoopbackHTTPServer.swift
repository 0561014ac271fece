import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One HTTP/1.1 request as a test server saw it.
public struct RecordedRequest: Sendable, Equatable {
    public var method: String
    public var path: String
    /// Header names lowercased.
    public var headers: [String: String]
    public var body: [UInt8]

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// What the handler tells the server to do with a request.
public enum LoopbackReply: Sendable {
    case respond(status: Int, headers: [(String, String)], body: [UInt8])
    /// Keep the connection open and never answer, until the server stops: a hung upstream.
    case hang
}

/// A minimal HTTP/1.1 server on 127.0.0.1 with an ephemeral port, built on
/// plain sockets so test targets need no server framework. It understands
/// Content-Length bodies and keep-alive, which is what HTTP clients send.
public final class LoopbackHTTPServer: Sendable {
    public let port: Int
    private let listener: Int32
    private let handler: @Sendable (RecordedRequest) -> LoopbackReply
    private let stopped = Atomic<Bool>(false)
    private let hangRelease = DispatchSemaphore(value: 0)
    private let hangers = Atomic<Int>(0)

    public init(handler: @escaping @Sendable (RecordedRequest) -> LoopbackReply) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestServerError("socket failed") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw TestServerError("bind/listen on 127.0.0.1 failed")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        // Plain threads, not a dispatch queue: every connection blocks in recv, and
        // libdispatch on Linux grows its pool slowly past one thread per core.
        startThread { [self] in acceptLoop() }
    }

    deinit { stop() }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Closes the listener and releases hung connections.
    public func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for _ in 0..<hangers.load(ordering: .acquiring) { hangRelease.signal() }
    }

    private func acceptLoop() {
        while !stopped.load(ordering: .acquiring) {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else {
                if stopped.load(ordering: .acquiring) { return }
                continue
            }
            startThread { [self] in serve(connection) }
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var buffer: [UInt8] = []
        while !stopped.load(ordering: .acquiring) {
            guard let request = readRequest(fd, &buffer) else { return }
            switch handler(request) {
            case .hang:
                hangers.add(1, ordering: .acquiringAndReleasing)
                if stopped.load(ordering: .acquiring) { return }
                hangRelease.wait()
                return
            case .respond(let status, let headers, let body):
                var head = "HTTP/1.1 \(status) \(status < 300 ? "OK" : "Error")\r\n"
                head += "Content-Length: \(body.count)\r\n"
                for (name, value) in headers { head += "\(name): \(value)\r\n" }
                head += "\r\n"
                guard writeAll(fd, Array(head.utf8) + body) else { return }
            }
        }
    }

    /// Reads one request (headers and a Content-Length body); nil at end of stream.
    private func readRequest(_ fd: Int32, _ buffer: inout [UInt8]) -> RecordedRequest? {
        let separator: [UInt8] = [13, 10, 13, 10]
        var headerEnd: Int?
        while true {
            if let end = firstIndex(of: separator, in: buffer) {
                headerEnd = end
                break
            }
            guard readMore(fd, &buffer) else { return nil }
        }
        let headText = String(decoding: buffer[0..<headerEnd!], as: UTF8.self)
        var lines = headText.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let requestLine = lines.removeFirst().split(separator: " ").map(String.init)
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].drop { $0 == " " }
            headers[line[..<colon].lowercased()] = String(value)
        }
        let bodyLength = Int(headers["content-length"] ?? "0") ?? 0
        let bodyStart = headerEnd! + 4
        while buffer.count < bodyStart + bodyLength {
            guard readMore(fd, &buffer) else { return nil }
        }
        let body = Array(buffer[bodyStart..<(bodyStart + bodyLength)])
        buffer.removeFirst(bodyStart + bodyLength)
        return RecordedRequest(
            method: requestLine.first ?? "", path: requestLine.count > 1 ? requestLine[1] : "", headers: headers,
            body: body)
    }

    private func readMore(_ fd: Int32, _ buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return false }
        buffer += chunk[0..<count]
        return true
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes {
                send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    private func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count)
        where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}

/// Runs `body` on a new detached POSIX thread.
func startThread(_ body: @escaping @Sendable () -> Void) {
    final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let context = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(
        &thread, nil,
        { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, context)
    if result == 0 {
        pthread_detach(thread)
    } else {
        Unmanaged<Box>.fromOpaque(context).release()
    }
}

public struct TestServerError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
