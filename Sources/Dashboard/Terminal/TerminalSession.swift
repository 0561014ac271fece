import InfermonCore

#if canImport(Glibc)
    import Glibc
#endif

/// The terminal in full-screen mode: raw input, alternate screen, hidden
/// cursor, no line wrap. Whatever happens, the terminal is put back: on
/// `restore()`, on SIGINT / SIGTERM / SIGHUP (then exit), and on a crash
/// signal (then the handler that was there before: the Swift runtime's
/// backtracer, or the default action, so a core dump still happens).
/// The restore path only calls write(2) and tcsetattr(3), which are
/// async-signal-safe, on state prepared before any handler is installed.
public final class TerminalSession: @unchecked Sendable {
    public let input: Int32
    public let output: Int32

    /// Alternate screen, hide cursor, no autowrap, clear.
    static let enterSequence = Array("\u{1B}[?1049h\u{1B}[?25l\u{1B}[?7l\u{1B}[0m\u{1B}[2J".utf8)
    /// Reset style, autowrap on, show cursor, main screen.
    static let leaveSequence = Array("\u{1B}[0m\u{1B}[?7h\u{1B}[?25h\u{1B}[?1049l".utf8)

    public init(input: Int32 = 0, output: Int32 = 1) throws {
        self.input = input
        self.output = output
        guard isatty(input) == 1, isatty(output) == 1 else {
            throw InfermonError.invalidArgument(
                "infermon dash needs a terminal; use --once --width W --height H to print one frame")
        }
        var original = termios()
        guard tcgetattr(input, &original) == 0 else {
            throw InfermonError.io("tcgetattr: \(String(cString: strerror(errno)))")
        }
        TerminalRestore.prepare(input: input, output: output, original: original, leave: Self.leaveSequence)
        var raw = original
        // As cfmakeraw, but output processing stays on and Ctrl-C arrives as a byte (0x03).
        raw.c_iflag &= ~tcflag_t(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON)
        raw.c_lflag &= ~tcflag_t(ECHO | ECHONL | ICANON | ISIG | IEXTEN)
        raw.c_cflag &= ~tcflag_t(CSIZE | PARENB)
        raw.c_cflag |= tcflag_t(CS8)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(input, TCSAFLUSH, &raw) == 0 else {
            throw InfermonError.io("tcsetattr: \(String(cString: strerror(errno)))")
        }
        TerminalRestore.installHandlers()
        write(Self.enterSequence)
    }

    /// Rows and columns, from the kernel (updated on SIGWINCH).
    public func size() -> (width: Int, height: Int) {
        var size = winsize()
        if ioctl(output, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 0 {
            return (Int(size.ws_col), Int(size.ws_row))
        }
        return (80, 24)
    }

    /// Writes all bytes, retrying short writes and EINTR.
    public func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(output, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }

    /// Leaves the alternate screen and restores the saved terminal modes. Idempotent.
    public func restore() {
        TerminalRestore.restoreNow()
    }

    deinit { restore() }
}

/// Process-wide restore state for signal handlers, which cannot capture context.
enum TerminalRestore {
    nonisolated(unsafe) private static var input: Int32 = -1
    nonisolated(unsafe) private static var output: Int32 = -1
    nonisolated(unsafe) private static var original = termios()
    nonisolated(unsafe) private static var leave: UnsafeMutablePointer<UInt8>?
    nonisolated(unsafe) private static var leaveCount = 0
    /// 1 while the terminal is in full-screen mode.
    nonisolated(unsafe) private static var active: sig_atomic_t = 0
    /// Set by SIGWINCH; the input loop reads and clears it.
    nonisolated(unsafe) static var resized: sig_atomic_t = 0
    /// Written to on SIGWINCH so a poll(2) on the read end wakes.
    nonisolated(unsafe) static var wakeWrite: Int32 = -1

    static func prepare(input: Int32, output: Int32, original: termios, leave bytes: [UInt8]) {
        self.input = input
        self.output = output
        self.original = original
        if leave == nil {
            leave = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count)
            leave!.initialize(from: bytes, count: bytes.count)
            leaveCount = bytes.count
        }
        active = 1
    }

    static func restoreNow() {
        guard active == 1 else { return }
        active = 0
        if let leave { _ = Glibc.write(output, leave, leaveCount) }
        _ = tcsetattr(input, TCSAFLUSH, &original)
    }

    /// The actions in place before ours, so a crash still reaches the Swift
    /// runtime's backtracer (or the default action) once the terminal is back.
    nonisolated(unsafe) private static let previous: UnsafeMutablePointer<sigaction> = {
        let actions = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)
        actions.initialize(repeating: sigaction(), count: 65)
        return actions
    }()

    static func installHandlers() {
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGQUIT] {
            install(signal) { number in
                TerminalRestore.restoreNow()
                _exit(128 + number)
            }
        }
        for signal in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP] {
            install(signal) { number in
                TerminalRestore.restoreNow()
                // Put the earlier handler back and deliver again: a fault re-executes the
                // instruction on return, an abort is raised anew.
                sigaction(number, TerminalRestore.previous + Int(number), nil)
                raise(number)
            }
        }
        install(SIGWINCH) { _ in
            TerminalRestore.resized = 1
            var byte: UInt8 = 1
            if TerminalRestore.wakeWrite >= 0 { _ = Glibc.write(TerminalRestore.wakeWrite, &byte, 1) }
        }
    }

    private static func install(_ signal: Int32, _ handler: @convention(c) (Int32) -> Void) {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = handler
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(signal, &action, previous + Int(signal))
    }
}
