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
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var env = environment ?? ChildProcess.currentEnvironment
        env["INFERMON_TEST_CHILD"] = "1"
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        // The test runner blocks some signals (SIGCHLD, SIGTERM) in its threads; a
        // child must start with none blocked and default handlers, as from a shell.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw InfermonError.io("cannot start \(executable): \(String(cString: strerror(result)))")
        }
        pid = child
    }

    deinit {
        if exitStatus == nil {
            kill(pid, SIGKILL)
            _ = try? wait()
        }
    }

    public func signal(_ signal: Int32) { kill(pid, signal) }

    /// Waits for exit; returns the exit code, or 128 + signal number when killed.
    @discardableResult
    public func wait() throws -> Int32 {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw InfermonError.io("waitpid: \(String(cString: strerror(errno)))") }
        }
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        exitStatus = code
        return code
    }

    /// Whether the process is still running (reaps it if it has exited).
    public var isRunning: Bool {
        if exitStatus != nil { return false }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid {
            exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            return false
        }
        return true
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

/// Real-time waiting for an external process to reach a state. Not a clock for
/// logic under test: it only bounds how long a test waits for a child process.
public func waitUntil(timeoutSeconds: Double, pollMillis: Int = 50, _ condition: () throws -> Bool) throws -> Bool {
    let deadline = monotonicNanoseconds() + UInt64(timeoutSeconds * 1e9)
    while monotonicNanoseconds() < deadline {
        if try condition() { return true }
        usleep(UInt32(pollMillis * 1000))
    }
    return try condition()
}
