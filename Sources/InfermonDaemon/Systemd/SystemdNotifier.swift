import InfermonCore

#if canImport(Glibc)
    import Glibc
#endif

/// The sd_notify protocol, without libsystemd: datagrams of `KEY=VALUE` lines
/// to the socket in `$NOTIFY_SOCKET` (a path, or `@name` for the abstract
/// namespace). Without that variable every call is a no-op, so the daemon runs
/// the same outside systemd.
final class SystemdNotifier: Sendable {
    private let address: [UInt8]?
    let watchdogInterval: Duration?

    init(environment: [String: String]) {
        if let socket = environment["NOTIFY_SOCKET"], !socket.isEmpty {
            var bytes = Array(socket.utf8)
            if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
            address = bytes
        } else {
            address = nil
        }
        // The watchdog applies to us only when WATCHDOG_PID is unset or names this process.
        let pidMatches = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        if pidMatches, let usec = environment["WATCHDOG_USEC"].flatMap(Int64.init), usec > 0 {
            watchdogInterval = .microseconds(usec)
        } else {
            watchdogInterval = nil
        }
    }

    var isActive: Bool { address != nil }

    func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    func status(_ text: String) { send("STATUS=\(text)") }
    func stopping() { send("STOPPING=1") }
    func watchdog() { send("WATCHDOG=1") }

    /// `RELOADING=1` with the monotonic time, as `Type=notify-reload` requires.
    func reloading() {
        let usec = monotonicNanoseconds() / 1000
        send("RELOADING=1\nMONOTONIC_USEC=\(usec)")
    }

    private func send(_ message: String) {
        guard let address else { return }
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: socketAddress.sun_path)
        guard address.count < capacity else { return }
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { raw in
            for (index, byte) in address.enumerated() { raw[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + address.count + (address.first == 0 ? 0 : 1))
        var bytes = Array(message.utf8)
        _ = withUnsafePointer(to: &socketAddress) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bytes.withUnsafeMutableBytes {
                    sendto(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), generic, length)
                }
            }
        }
    }
}
