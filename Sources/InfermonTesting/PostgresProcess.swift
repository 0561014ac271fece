import Foundation
import InfermonCore

#if canImport(Glibc)
    import Glibc
#endif

/// A private PostgreSQL 15 (Debian's `postgresql`) for end-to-end tests: a
/// cluster made with `initdb` in a directory of its own, listening on
/// 127.0.0.1 on a free port with its unix socket in that directory, a
/// superuser `infermon` with a random password (scram over TCP). It can be
/// stopped, crashed and started again on the same data, as a real server is.
///
/// `initdb` and `postgres` refuse to run as root; the tests do, so then the
/// server runs as the `postgres` user (which the Debian package creates),
/// through `setpriv`, in a directory that user owns. `setpriv` execs, so the
/// child's pid is the postmaster's own.
public final class PostgresProcess: @unchecked Sendable {
    /// The directory of the server binaries, or nil (tests are then skipped, saying why).
    public static let binDirectory: String? = ["/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin"].first {
        FileManager.default.isExecutableFile(atPath: "\($0)/initdb")
    }

    public static let notInstalled = "PostgreSQL server is not installed (apt-get install postgresql)"

    public let directory: String
    public let port: Int
    public let user = "infermon"
    public let database = "infermon"
    public let password: String
    /// A file holding the password, readable by the tests.
    public let passwordFile: String
    private var process: ChildProcess?
    private let asPostgresUser: Bool
    private let settings: [String: String]
    private var starts = 0

    /// `postgres://infermon@127.0.0.1:port/infermon`, without the password.
    public var url: String { "postgres://\(user)@127.0.0.1:\(port)/\(database)" }
    public var pid: Int32? { process?.pid }

    /// Makes the cluster and starts it. `settings` are extra `-c name=value`
    /// server settings (fsync stays on unless the caller turns it off).
    public init(settings: [String: String] = [:]) async throws {
        guard let bin = Self.binDirectory else { throw InfermonError.unavailable(Self.notInstalled) }
        asPostgresUser = getuid() == 0
        self.settings = settings
        var template = Array("/tmp/infermon-pg-XXXXXX".utf8CString)
        guard let created = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw InfermonError.io("mkdtemp failed")
        }
        directory = String(cString: created)
        var random = SystemRandomNumberGenerator()
        password = (0..<24).map { _ in String("abcdefghijkmnpqrstuvwxyz23456789".randomElement(using: &random)!) }
            .joined()
        passwordFile = "\(directory)/password"
        try TestFiles.append(password + "\n", to: passwordFile)
        chmod(passwordFile, 0o644)
        if asPostgresUser {
            // getpwnam_r: getpwnam's static buffer is shared with every thread (other tests look up users too).
            var entry = passwd()
            var found: UnsafeMutablePointer<passwd>?
            var buffer = [CChar](repeating: 0, count: 4096)
            guard getpwnam_r("postgres", &entry, &buffer, buffer.count, &found) == 0, found != nil else {
                throw InfermonError.unavailable("no postgres user to run PostgreSQL as (apt-get install postgresql)")
            }
            chown(directory, entry.pw_uid, entry.pw_gid)
        }
        port = try await RecordingReceiver.reservablePort()
        let initdb = try spawn(
            "\(bin)/initdb",
            [
                "-D", "\(directory)/data", "-U", user, "--pwfile=\(passwordFile)", "--auth-local=trust",
                "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync",
            ], name: "initdb")
        let code = try await initdb.wait()
        guard code == 0 else {
            throw InfermonError.unavailable("initdb failed (\(code)): \(initdb.standardError().suffix(2000))")
        }
        try await start()
        let createdb = try spawn(
            "\(bin)/createdb", ["-h", "127.0.0.1", "-p", "\(port)", "-U", user, database], name: "createdb")
        let createdCode = try await createdb.wait()
        guard createdCode == 0 else {
            throw InfermonError.unavailable(
                "createdb failed (\(createdCode)): \(createdb.standardError().suffix(2000))")
        }
    }

    deinit {
        if let process { process.signal(SIGQUIT) }
        process?.discard()
        if getenv("INFERMON_KEEP_TEST_FILES") == nil { removeTree(directory) }
    }

    /// Starts the server on the same data and port and waits until it accepts connections.
    public func start() async throws {
        guard let bin = Self.binDirectory else { throw InfermonError.unavailable(Self.notInstalled) }
        starts += 1
        var arguments = [
            "-D", "\(directory)/data", "-p", "\(port)", "-k", directory, "-c", "listen_addresses=127.0.0.1",
            "-c", "max_connections=100", "-c", "shared_buffers=32MB",
        ]
        for (name, value) in settings.sorted(by: { $0.key < $1.key }) { arguments += ["-c", "\(name)=\(value)"] }
        let child = try spawn("\(bin)/postgres", arguments, name: "postgres-\(starts)")
        process = child
        let ready = try await waitUntil(timeoutSeconds: 60, pollMillis: 100) {
            guard child.isRunning else { return true }
            let probe = try spawn(
                "\(bin)/pg_isready", ["-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d", database], name: "isready")
            return try await probe.wait() == 0
        }
        guard ready, child.isRunning else {
            throw InfermonError.unavailable("postgres did not start: \(child.standardError().suffix(2000))")
        }
    }

    /// Fast shutdown (SIGINT): clients are disconnected, data is checkpointed.
    public func stop() async throws {
        guard let process else { return }
        process.signal(SIGINT)
        try await process.wait()
        self.process = nil
    }

    /// Immediate shutdown (SIGQUIT), as a crash: every backend ends at once and
    /// the next start runs crash recovery from the WAL.
    public func crash() async throws {
        guard let process else { return }
        process.signal(SIGQUIT)
        try await process.wait()
        self.process = nil
    }

    public var log: String { process?.standardError() ?? "" }

    private func spawn(_ executable: String, _ arguments: [String], name: String) throws -> ChildProcess {
        var environment = ChildProcess.currentEnvironment
        environment["LC_ALL"] = "C"
        environment["PGPASSWORD"] = password
        if asPostgresUser {
            return try ChildProcess(
                executable: "/usr/bin/setpriv",
                arguments: ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", executable] + arguments,
                environment: environment, outputPrefix: "\(directory)/\(name)")
        }
        return try ChildProcess(
            executable: executable, arguments: arguments, environment: environment,
            outputPrefix: "\(directory)/\(name)")
    }
}
