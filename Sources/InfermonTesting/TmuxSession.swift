import InfermonCore

#if canImport(Glibc)
    import Glibc
#endif

/// A detached tmux session on a private server socket, for end-to-end tests of
/// full-screen programs: start a command in a pane of known size, send keys,
/// read the screen back, and ask tmux about the pane's modes (alternate
/// screen, cursor visibility) after the program has exited.
public final class TmuxSession: @unchecked Sendable {
    public let socket: String
    public let session = "test"
    let directory: String
    private var counter = 0

    /// Whether tmux is installed (`make test` installs it).
    public static var isAvailable: Bool {
        ["/usr/bin/tmux", "/usr/local/bin/tmux"].contains { (path: String) in access(path, X_OK) == 0 }
    }

    static var binary: String { access("/usr/bin/tmux", X_OK) == 0 ? "/usr/bin/tmux" : "/usr/local/bin/tmux" }

    /// Starts `command` (run by the shell) in a `width`×`height` pane that stays
    /// on screen after the command exits.
    public init(command: String, width: Int, height: Int, directory: String) async throws {
        self.directory = directory
        socket = "infermon-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        _ = try await run([
            "-f", "/dev/null", "new-session", "-d", "-s", session, "-x", "\(width)", "-y", "\(height)", command, ";",
            "set-option", "-t", session, "remain-on-exit", "on",
        ])
    }

    /// Stops the tmux server without waiting for it (a deinit cannot await):
    /// `kill-server` is reaped in the background.
    deinit {
        if let pid = try? Self.spawn([Self.binary, "-L", socket, "kill-server"], output: "/dev/null") {
            ChildProcess.reapInBackground(pid)
        }
    }

    /// `tmux send-keys` with key names (`Tab`, `BTab`, `Escape`, `Enter`, `Up`, `q`).
    public func sendKeys(_ keys: String...) async throws {
        _ = try await run(["send-keys", "-t", session] + keys)
    }

    /// Resizes the window (the program in the pane gets SIGWINCH).
    public func resize(width: Int, height: Int) async throws {
        _ = try await run(["resize-window", "-t", session, "-x", "\(width)", "-y", "\(height)"])
    }

    /// The visible screen, one line per row.
    public func capture() async throws -> String {
        try await run(["capture-pane", "-p", "-t", session])
    }

    /// A tmux format about the pane: `#{alternate_on}`, `#{cursor_flag}`, `#{pane_dead}`, `#{pane_pid}`.
    public func format(_ format: String) async throws -> String {
        var text = try await run(["display-message", "-p", "-t", session, format])
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    /// Runs tmux with the private socket, suspending until it exits; returns its standard output.
    @discardableResult
    public func run(_ arguments: [String]) async throws -> String {
        counter += 1
        let output = "\(directory)/tmux-\(counter).out"
        defer { unlink(output) }
        let pid = try Self.spawn([Self.binary, "-L", socket] + arguments, output: output)
        let status: Int32
        do {
            status = try await ChildProcess.exitCode(of: pid)
        } catch {
            ChildProcess.reapInBackground(pid)
            throw error
        }
        let text = String(decoding: try TestFiles.read(output), as: UTF8.self)
        guard status == 0 else { throw InfermonError.io("tmux \(arguments.first ?? "") exited \(status): \(text)") }
        return text
    }

    /// posix_spawn as `ChildProcess` spawns: every signal unblocked and at its
    /// default action (a tmux server started with SIGCHLD and SIGTERM blocked
    /// never reaps its panes and never exits on `kill-server`), and none of the
    /// test process's descriptors inherited (the server outlives this call).
    /// Returns the pid, for the caller to reap.
    static func spawn(_ argv: [String], output: String) throws -> pid_t {
        var attributes = ChildProcess.shellLikeSpawnAttributes()
        defer { posix_spawnattr_destroy(&attributes) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        ChildProcess.closeInheritedDescriptors(&actions)
        let arguments = argv.map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        var environment = ChildProcess.currentEnvironment
        // Not nested in whatever tmux the tests themselves may run in.
        environment["TMUX"] = nil
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, argv[0], &actions, &attributes, arguments, envp)
        guard result == 0 else { throw InfermonError.io("cannot start tmux: \(String(cString: strerror(result)))") }
        return pid
    }
}
