import Foundation
import InfermonCore
import InfermonTesting
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The shipped unit, judged by systemd's own tools, and the notify protocol
/// spoken by a real daemon to a real datagram socket.
@Suite("systemd")
struct SystemdTests {
    static let repositoryRoot: String = {
        var root = #filePath
        while let slash = root.lastIndex(of: "/") {
            root = String(root[..<slash])
            if access(root + "/Package.swift", F_OK) == 0 { break }
        }
        return root
    }()

    /// The unit with ExecStart pointing at the binary under test, since verify checks the command exists.
    static func unitUnderTest(in directory: TemporaryDirectory) throws -> String {
        let text = String(decoding: try TestFiles.read(repositoryRoot + "/deploy/infermon.service"), as: UTF8.self)
        let patched = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix("ExecStart=/usr/local/bin/infermon")
                ? "ExecStart=" + ChildProcess.infermonBinary()
                    + line.dropFirst("ExecStart=/usr/local/bin/infermon".count)
                : String(line)
        }.joined(separator: "\n")
        let path = directory.file("infermon.service")
        try TestFiles.append(patched, to: path)
        return path
    }

    @Test func unitPassesVerifyWithoutWarnings() async throws {
        guard let analyze = findExecutable("systemd-analyze") else {
            print("skipped: systemd-analyze is not installed (Debian package systemd)")
            return
        }
        let directory = try TemporaryDirectory()
        let unit = try Self.unitUnderTest(in: directory)
        let result = try await runCommand(analyze, ["verify", unit], directory: directory.path, name: "verify")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty && result.stdout.isEmpty, "warnings: \(result.stderr)\(result.stdout)")
    }

    @Test func unitExposureIsAtMostTwo() async throws {
        guard let analyze = findExecutable("systemd-analyze") else {
            print("skipped: systemd-analyze is not installed (Debian package systemd)")
            return
        }
        let directory = try TemporaryDirectory()
        let unit = try Self.unitUnderTest(in: directory)
        let result = try await runCommand(
            analyze, ["security", "--offline=yes", unit], directory: directory.path, name: "security")
        let line = try #require(
            result.stdout.split(separator: "\n").first { $0.contains("Overall exposure level") },
            "\(result.stdout)\(result.stderr)")
        let score = try #require(line.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) })
        #expect(score <= 2.0, "\(line)")
    }

    @Test func dropInSwitchesToNotifyReload() throws {
        let text = String(
            decoding: try TestFiles.read(Self.repositoryRoot + "/deploy/infermon.service.d/notify-reload.conf"),
            as: UTF8.self)
        #expect(text.contains("Type=notify-reload"))
        #expect(text.contains("ExecReload=\n") || text.hasSuffix("ExecReload="))
    }

    @Test func notifyProtocolReadyWatchdogReloadStopping() async throws {
        let directory = try TemporaryDirectory()
        let socket = try NotifySocket(path: directory.file("notify.sock"))
        let daemon = try await DaemonProcess(
            config: "storage:\n  path: \(directory.file("store.db"))\nsources: []\n", directory: directory.path,
            environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "400000"])
        var messages: [String] = []
        func collect(until predicate: ([String]) -> Bool) async throws -> Bool {
            try await waitUntil(timeoutSeconds: 20, pollMillis: 5) {
                messages += socket.drain()
                return predicate(messages)
            }
        }
        #expect(try await collect { $0.contains { $0.contains("READY=1") } }, "\(messages)")
        let ready = try #require(messages.first { $0.contains("READY=1") })
        #expect(ready.contains("STATUS="), "READY comes with a status line: \(ready)")

        // Watchdog pings at half of WATCHDOG_USEC (200 ms): count them over about 1.5 s.
        let start = monotonicNanoseconds()
        let before = messages.filter { $0 == "WATCHDOG=1" }.count
        #expect(try await collect { _ in monotonicNanoseconds() - start > 1_500_000_000 })
        let pings = messages.filter { $0 == "WATCHDOG=1" }.count - before
        let elapsed = Double(monotonicNanoseconds() - start) / 1e9
        #expect(
            Double(pings) >= elapsed / 0.2 - 2 && Double(pings) <= elapsed / 0.2 + 2, "\(pings) pings in \(elapsed) s")

        daemon.process.signal(SIGHUP)
        #expect(
            try await collect { all in
                guard let reloading = all.lastIndex(where: { $0.hasPrefix("RELOADING=1") }) else { return false }
                return all[reloading...].contains { $0.contains("READY=1") }
            }, "\(messages)")
        let reloading = try #require(messages.last { $0.hasPrefix("RELOADING=1") })
        let usec = reloading.split(separator: "\n").first { $0.hasPrefix("MONOTONIC_USEC=") }.flatMap {
            UInt64($0.dropFirst(15))
        }
        #expect(usec.map { $0 <= monotonicNanoseconds() / 1000 && $0 > 0 } == true, "\(reloading)")

        daemon.process.signal(SIGTERM)
        #expect(try await collect { $0.contains("STOPPING=1") }, "\(messages)")
        #expect(try await daemon.process.wait() == 0)
    }
}

/// A bound unix datagram socket collecting what a daemon sends to `NOTIFY_SOCKET`.
/// A thread of its own receives the datagrams as they come: the kernel queues
/// only a few per socket (`net.unix.max_dgram_qlen`, 10 by default) and then
/// blocks the sender, so a test task that waits a while for a thread of the
/// busy cooperative pool would otherwise hold up the daemon's watchdog pings.
final class NotifySocket: Sendable {
    let path: String
    private let inbox: Inbox

    init(path: String) throws {
        self.path = path
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard descriptor >= 0 else { throw InfermonError.io("socket") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw InfermonError.io("bind \(path): \(reason)")
        }
        let inbox = Inbox(descriptor: descriptor)
        self.inbox = inbox
        Thread.detachNewThread { inbox.receiveUntilClosed() }
    }

    deinit { inbox.closed.store(true, ordering: .releasing) }

    /// Every datagram received since the last call, without blocking.
    func drain() -> [String] {
        inbox.messages.withLock { messages in
            defer { messages = [] }
            return messages
        }
    }

    private final class Inbox: Sendable {
        let descriptor: Int32
        let messages = Mutex<[String]>([])
        let closed = Atomic<Bool>(false)

        init(descriptor: Int32) { self.descriptor = descriptor }

        /// Receives until `closed` is set (seen within 100 ms), then closes the socket.
        func receiveUntilClosed() {
            defer { close(descriptor) }
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !closed.load(ordering: .acquiring) {
                var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                guard poll(&ready, 1, 100) > 0 else { continue }
                while true {
                    let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                    if count <= 0 { break }
                    let message = String(decoding: buffer[0..<count], as: UTF8.self)
                    messages.withLock { $0.append(message) }
                }
            }
        }
    }
}
