import Foundation
import InfermonCore

#if canImport(Glibc)
    import Glibc
#endif

/// Reads key bytes on its own thread (a blocking read must not hold a Swift
/// concurrency thread) and reports keys and resizes. poll(2) watches the
/// terminal and a pipe the SIGWINCH handler writes to, with a short timeout
/// so `stop()` is noticed.
final class InputReader: @unchecked Sendable {
    enum Event: Sendable {
        case keys([Key])
        case resize
        case closed
    }

    private let input: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let stopped = NSLock()
    private var isStopped = false

    init(input: Int32) throws {
        self.input = input
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw InfermonError.io("pipe: \(String(cString: strerror(errno)))") }
        wakeRead = fds[0]
        wakeWrite = fds[1]
        _ = fcntl(wakeWrite, F_SETFL, fcntl(wakeWrite, F_GETFL) | O_NONBLOCK)
        _ = fcntl(wakeRead, F_SETFL, fcntl(wakeRead, F_GETFL) | O_NONBLOCK)
        TerminalRestore.wakeWrite = wakeWrite
    }

    deinit {
        TerminalRestore.wakeWrite = -1
        close(wakeRead)
        close(wakeWrite)
    }

    /// Starts the thread; `deliver` is called on it for every event.
    func start(_ deliver: @escaping @Sendable (Event) -> Void) {
        let thread = Thread { [self] in self.loop(deliver) }
        thread.name = "infermon.dash.input"
        thread.start()
    }

    func stop() {
        stopped.withLock { isStopped = true }
        var byte: UInt8 = 0
        _ = write(wakeWrite, &byte, 1)
    }

    private var shouldStop: Bool { stopped.withLock { isStopped } }

    private func loop(_ deliver: @Sendable (Event) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 256)
        while !shouldStop {
            var fds = [
                pollfd(fd: input, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, 2, 500)
            if ready < 0 && errno != EINTR { break }
            if fds[1].revents != 0 {
                while read(wakeRead, &buffer, buffer.count) > 0 {}
            }
            if TerminalRestore.resized == 1 {
                TerminalRestore.resized = 0
                deliver(.resize)
            }
            if fds[0].revents & Int16(POLLIN) != 0 {
                let count = read(input, &buffer, buffer.count)
                if count == 0 || (count < 0 && errno != EINTR && errno != EAGAIN) {
                    deliver(.closed)
                    return
                }
                if count > 0 {
                    let keys = Key.decode(Array(buffer[0..<count]))
                    if !keys.isEmpty { deliver(.keys(keys)) }
                }
            } else if fds[0].revents & Int16(POLLHUP | POLLERR) != 0 {
                deliver(.closed)
                return
            }
        }
    }
}
