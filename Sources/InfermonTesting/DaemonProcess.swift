import Foundation
import InfermonCore

#if canImport(Glibc)
    import Glibc
#endif

/// A real `infermon serve` for end-to-end tests: started on a free port with a
/// given configuration, ready when it says so, stopped with a real signal.
public final class DaemonProcess: @unchecked Sendable {
    public let process: ChildProcess
    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The configuration file the daemon reads (rewrite it and send SIGHUP to reload).
    public let configPath: String

    /// Starts the daemon. `config` is YAML without a `server:` section; `serverYAML`
    /// adds keys under it (indented two spaces), next to a `listen` on a free port.
    public init(
        config: String, directory: String, name: String = "daemon", serverYAML: String = "",
        environment: [String: String] = [:], timeoutSeconds: Double = 60
    ) async throws {
        let path = "\(directory)/\(name).yaml"
        TestFiles.remove(path)
        try TestFiles.append(config + "\nserver:\n  listen: 127.0.0.1:0\n" + serverYAML, to: path)
        configPath = path
        let child = try ChildProcess(
            executable: ChildProcess.infermonBinary(), arguments: ["serve", "--config", path],
            environment: ChildProcess.currentEnvironment.merging(environment) { $1 },
            outputPrefix: "\(directory)/\(name)")
        var found: Int?
        let ready = try await waitUntil(timeoutSeconds: timeoutSeconds) {
            let log = child.standardError()
            if found == nil { found = Self.port(in: log) }
            guard child.isRunning else { return true }
            return found != nil && log.contains("infermon ready")
        }
        guard ready, child.isRunning, let found else {
            throw InfermonError.unavailable(
                "infermon serve did not become ready: \(child.standardError().suffix(2000))")
        }
        process = child
        port = found
    }

    /// `listening address=127.0.0.1:PORT` from the log.
    static func port(in log: String) -> Int? {
        guard let range = log.range(of: "listening address=127.0.0.1:") else { return nil }
        return Int(log[range.upperBound...].prefix { $0.isNumber })
    }

    /// SIGTERM and wait; returns the exit code.
    @discardableResult
    public func stop() async throws -> Int32 {
        process.signal(SIGTERM)
        return try await process.wait()
    }

    public func kill() async throws {
        process.signal(SIGKILL)
        _ = try await process.wait()
    }

    /// Ends the daemon without waiting (SIGKILL, reaped in the background): for a
    /// `defer` in an async test, which cannot await `stop()`. A no-op once stopped.
    public func discard() { process.discard() }

    public var log: String { process.standardError() }
}

/// Runs a command to completion, suspending while it runs, and returns its exit
/// code and output.
public func runCommand(_ executable: String, _ arguments: [String], directory: String, name: String) async throws
    -> (status: Int32, stdout: String, stderr: String)
{
    let process = try ChildProcess(executable: executable, arguments: arguments, outputPrefix: "\(directory)/\(name)")
    let status = try await process.wait()
    return (status, process.standardOutput(), process.standardError())
}

/// The first executable named `name` on $PATH, or nil.
public func findExecutable(_ name: String) -> String? {
    let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") {
        let candidate = "\(directory)/\(name)"
        if access(candidate, X_OK) == 0 { return candidate }
    }
    return nil
}
