public import Foundation
import InfermonCore

#if canImport(Glibc)
    import Glibc
#endif

/// A real subprocess for end-to-end tests: started with posix_spawn, output to
/// files, stopped with a real signal.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    public let stdoutPath: String
    public let stderrPath: String
    private var exitStatus: Int32?

    public init(executable: String, arguments: [String], environment: [String: String]? = nil, outputPrefix: String)
        throws
    {
        stdoutPath = outputPrefix + ".stdout"
        stderrPath = outputPrefix + ".stderr"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        // Nothing else of the test process leaks into the child: a listening socket
        // of an in-process test server without CLOEXEC would stay bound (and accept
        // connections) in every daemon spawned while it was open, long after the
        // test closed it.
        Self.closeInheritedDescriptors(&actions)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var env = environment ?? ChildProcess.currentEnvironment
        env["INFERMON_TEST_CHILD"] = "1"
        // A child that traps on a loaded machine otherwise spends minutes in full
        // symbolication, answering nothing: the test would see a hang, not a crash.
        if env["SWIFT_BACKTRACE"] == nil { env["SWIFT_BACKTRACE"] = "symbolicate=fast" }
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var attributes = Self.shellLikeSpawnAttributes()
        defer { posix_spawnattr_destroy(&attributes) }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw InfermonError.io("cannot start \(executable): \(String(cString: strerror(result)))")
        }
        pid = child
    }

    deinit { discard() }

    public func signal(_ signal: Int32) { kill(pid, signal) }

    /// Waits for exit, suspending (polling every 10 ms) rather than blocking a
    /// thread of the cooperative pool; returns the exit code, or 128 + signal
    /// number when killed.
    @discardableResult
    public func wait() async throws -> Int32 {
        while true {
            if let code = try reapIfExited() { return code }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Whether the process is still running (reaps it if it has exited).
    public var isRunning: Bool { (try? reapIfExited()) == nil }

    /// Ends the process without waiting for it: SIGKILL if it still runs, reaped
    /// on a thread of its own. For cleanup that cannot await, such as a `defer`
    /// in an async test; a test that cares how the process ends awaits `wait()`.
    /// A later `wait()` returns 128 + SIGKILL unless the process had already exited.
    public func discard() {
        guard exitStatus == nil else { return }
        kill(pid, SIGKILL)
        if (try? reapIfExited()) != nil { return }
        Self.reapInBackground(pid)
        exitStatus = 128 + SIGKILL
    }

    /// The exit code if the process has exited (reaping it), nil while it runs.
    private func reapIfExited() throws -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        var result = waitpid(pid, &status, WNOHANG)
        while result < 0 && errno == EINTR { result = waitpid(pid, &status, WNOHANG) }
        guard result >= 0 else { throw InfermonError.io("waitpid: \(String(cString: strerror(errno)))") }
        guard result == pid else { return nil }
        let code = Self.exitCode(status)
        exitStatus = code
        return code
    }

    /// A `waitpid` status as a shell reports it: the exit code, or 128 + signal number.
    static func exitCode(_ status: Int32) -> Int32 {
        (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Waits for `pid` until it exits, suspending between polls (10 ms apart).
    static func exitCode(of pid: pid_t) async throws -> Int32 {
        while true {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return exitCode(status) }
            if result < 0 && errno != EINTR {
                throw InfermonError.io("waitpid: \(String(cString: strerror(errno)))")
            }
            if result != 0 { continue }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Reaps `pid` on a new thread, so a synchronous cleanup path (a deinit) need
    /// not block while a killed process exits, nor leave a zombie behind.
    static func reapInBackground(_ pid: pid_t) {
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) != 0 { return }
        Thread.detachNewThread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
    }

    public func standardError() -> String { (try? String(decoding: TestFiles.read(stderrPath), as: UTF8.self)) ?? "" }
    public func standardOutput() -> String { (try? String(decoding: TestFiles.read(stdoutPath), as: UTF8.self)) ?? "" }

    public static var currentEnvironment: [String: String] { InfermonCore.currentEnvironment() }

    /// The `infermon` binary next to the test bundle (`swift build` puts both in
    /// the same directory), or `$INFERMON_BIN`.
    public static func infermonBinary(file: String = #filePath) -> String {
        if let override = getenv("INFERMON_BIN") { return String(cString: override) }
        var root = file
        while let slash = root.lastIndex(of: "/") {
            root = String(root[..<slash])
            if access(root + "/Package.swift", F_OK) == 0 { break }
        }
        for configuration in ["debug", "release"] {
            let candidate = "\(root)/.build/\(configuration)/infermon"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return "\(root)/.build/debug/infermon"
    }
}

/// Real-time waiting for an external process to reach a state, suspending
/// between polls so no thread of the cooperative pool is held. Not a clock for
/// logic under test: it only bounds how long a test waits for a child process.
public func waitUntil(timeoutSeconds: Double, pollMillis: Int = 50, _ condition: () async throws -> Bool) async throws
    -> Bool
{
    let deadline = monotonicNanoseconds() + UInt64(timeoutSeconds * 1e9)
    while monotonicNanoseconds() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(pollMillis))
    }
    return try await condition()
}

extension ChildProcess {
    /// Attributes for a child started as from a shell: the test runner blocks
    /// some signals (SIGCHLD, SIGTERM) in its threads and a child inherits that
    /// mask, so it starts with none blocked and every handler at its default.
    /// Destroy them with `posix_spawnattr_destroy`.
    static func shellLikeSpawnAttributes() -> posix_spawnattr_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        return attributes
    }

    /// glibc 2.34+'s `posix_spawn_file_actions_addclosefrom_np`, which Swift's
    /// Glibc module does not export; looked up once by name.
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let closeFrom: CloseFrom? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()

    /// Closes every descriptor above stderr in the child; where glibc is too
    /// old for that, marks the parent's open descriptors close-on-exec instead.
    static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        if let closeFrom, closeFrom(&actions, 3) == 0 { return }
        guard let directory = opendir("/proc/self/fd") else { return }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let descriptor = Int32(name), descriptor > 2 {
                let flags = fcntl(descriptor, F_GETFD)
                if flags >= 0 { _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) }
            }
        }
    }
}
