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
    public init(command: String, width: Int, height: Int, directory: String) throws {
        self.directory = directory
        socket = "infermon-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        _ = try run([
            "-f", "/dev/null", "new-session", "-d", "-s", session, "-x", "\(width)", "-y", "\(height)", command, ";",
            "set-option", "-t", session, "remain-on-exit", "on",
        ])
    }

    deinit { _ = try? run(["kill-server"]) }

    /// `tmux send-keys` with key names (`Tab`, `BTab`, `Escape`, `Enter`, `Up`, `q`).
    public func sendKeys(_ keys: String...) throws {
        _ = try run(["send-keys", "-t", session] + keys)
    }

    /// The visible screen, one line per row.
    public func capture() throws -> String {
        try run(["capture-pane", "-p", "-t", session])
    }

    /// A tmux format about the pane: `#{alternate_on}`, `#{cursor_flag}`, `#{pane_dead}`, `#{pane_pid}`.
    public func format(_ format: String) throws -> String {
        var text = try run(["display-message", "-p", "-t", session, format])
        while text.hasSuffix("\n") { text.removeLast() }
        return text
    }

    /// Runs tmux with the private socket; returns its standard output.
    @discardableResult
    public func run(_ arguments: [String]) throws -> String {
        counter += 1
        let prefix = "\(directory)/tmux-\(counter)"
        let child = try ChildProcess(
            executable: Self.binary, arguments: ["-L", socket] + arguments, outputPrefix: prefix)
        let status = try child.wait()
        let output = child.standardOutput()
        guard status == 0 else {
            throw InfermonError.io("tmux \(arguments.first ?? "") exited \(status): \(child.standardError())")
        }
        unlink(prefix + ".stdout")
        unlink(prefix + ".stderr")
        return output
    }
}
