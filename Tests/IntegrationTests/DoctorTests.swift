import InfermonCore
import InfermonTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `infermon doctor` on real files, sockets and a real daemon: a sound setup
/// passes with exit 0; a broken one has each of its problems named on a FAIL
/// (or warn) line with what to fix, and exits 1.
@Suite("infermon doctor")
struct DoctorTests {
    static func doctor(_ arguments: [String], in directory: TemporaryDirectory, name: String) async throws
        -> (status: Int32, lines: [String])
    {
        let result = try await runCommand(
            ChildProcess.infermonBinary(), ["doctor"] + arguments, directory: directory.path, name: name)
        return (result.status, (result.stdout + result.stderr).split(separator: "\n").map(String.init))
    }

    static func writeToken(_ path: String) throws {
        try TestFiles.append(String(repeating: "0123456789abcdef", count: 4) + "\n", to: path)
        chmod(path, 0o600)
    }

    @Test func aSoundSetupPasses() async throws {
        let directory = try TemporaryDirectory(prefix: "infermon-doctor")
        _ = mkdir(directory.file("logs"), 0o755)
        _ = mkdir(directory.file("rules"), 0o755)
        try TestFiles.append(
            #"{"timestamp":\#(SystemWallClock().now()),"model":"m","status":"ok","latency_ms":5}"# + "\n",
            to: directory.file("logs/app.jsonl"))
        // Written now by this process's clock, which may run ahead of the file
        // system's (the clock-shifted test run): the file's time says so too.
        var now = [timespec(), timespec()]
        clock_gettime(CLOCK_REALTIME, &now[0])
        now[1] = now[0]
        #expect(utimensat(AT_FDCWD, directory.file("logs/app.jsonl"), &now, 0) == 0)
        try TestFiles.append(
            """
            groups:
              - name: doctor
                rules:
                  - alert: Quiet
                    expr: vector(1) == 0
            """, to: directory.file("rules/doctor.rules.yaml"))
        try Self.writeToken(directory.file("token"))
        let receiver = try await RecordingReceiver.start()
        defer { Task { try? await receiver.stop() } }
        let daemon = try await DaemonProcess(
            config: """
                storage:
                  path: store/infermon.db
                sources:
                  - {name: app, paths: ["logs/*.jsonl"]}
                rule_files: ["rules/*.rules.yaml"]
                notifications:
                  route: {receiver: team}
                  receivers:
                    - name: team
                      webhook_configs:
                        - url: \(receiver.url("/hook"))
                """,
            directory: directory.path, serverYAML: "  auth:\n    token_file: token\n")
        defer { daemon.discard() }

        let result = try await Self.doctor(
            ["--config", daemon.configPath, "--url", daemon.baseURL], in: directory, name: "doctor")
        let output = result.lines.joined(separator: "\n")
        #expect(result.status == 0, "\(output)")
        #expect(!result.lines.contains { $0.hasPrefix("FAIL") }, "\(output)")
        for check in [
            "config", "startup", "rules", "store", "source app", "receiver team (webhook)", "clock", "daemon",
        ] {
            #expect(result.lines.contains { $0.contains(" \(check): ") }, "no \(check) line:\n\(output)")
        }
        #expect(output.contains("ok    rules: 1 rule files load: 1 groups, 1 rules"), "\(output)")
        #expect(output.contains("ok    source app: 1 file(s) match"), "\(output)")
        #expect(output.contains("ok    daemon: answers \(daemon.baseURL)/readyz: ready"), "\(output)")
        #expect(output.contains("ok    receiver team (webhook): 127.0.0.1:\(receiver.port) accepts connections"))
        #expect(receiver.requests.isEmpty, "doctor connects to receivers but sends nothing")
    }

    @Test func aBrokenSetupHasEachProblemNamed() async throws {
        let directory = try TemporaryDirectory(prefix: "infermon-doctor")
        // A port that refuses connections for as long as the test holds it: bound, never listening.
        let closed = try ClosedPort()
        for name in ["logs", "old", "secret", "rules"] { _ = mkdir(directory.file(name), 0o755) }
        // Written three hours ago by this host's clock: a source that stopped growing.
        try TestFiles.append("{}\n", to: directory.file("old/app.jsonl"))
        var times = [timespec(), timespec()]
        clock_gettime(CLOCK_REALTIME, &times[0])
        times[0].tv_sec -= 3 * 3600
        times[1] = times[0]
        #expect(utimensat(AT_FDCWD, directory.file("old/app.jsonl"), &times, 0) == 0)
        // Readable by nobody but its owner (and with no mode bits at all when not root).
        try TestFiles.append("{}\n", to: directory.file("secret/app.jsonl"))
        chmod(directory.file("secret/app.jsonl"), geteuid() == 0 ? 0o600 : 0o000)
        // A rule that does not parse.
        try TestFiles.append(
            "groups:\n  - name: bad\n    rules:\n      - alert: Broken\n        expr: rate(x[5m]\n",
            to: directory.file("rules/bad.rules.yaml"))
        // Where the store's directory should be, a file.
        try TestFiles.append("not a directory\n", to: directory.file("store"))
        let config = directory.file("infermon.yaml")
        try TestFiles.append(
            """
            storage:
              path: store/infermon.db
            server:
              listen: 127.0.0.1:\(closed.port)
              auth:
                token_file: missing-token
            sources:
              - {name: nowhere, paths: ["logs/*.jsonl"]}
              - {name: old, paths: ["old/*.jsonl"]}
              - {name: secret, paths: ["secret/*.jsonl"]}
            rule_files: ["rules/*.rules.yaml"]
            notifications:
              route: {receiver: team}
              receivers:
                - name: team
                  webhook_configs:
                    - url: http://127.0.0.1:\(closed.port)/hook
            """, to: config)

        let result = try await Self.doctor(
            ["--config", config, "--connect-timeout", "1"], in: directory, name: "doctor")
        let output = result.lines.joined(separator: "\n")
        #expect(result.status == 1, "\(output)")
        func line(_ prefix: String, _ containing: String...) -> Bool {
            result.lines.contains { line in line.hasPrefix(prefix) && containing.allSatisfy { line.contains($0) } }
        }
        #expect(line("FAIL  startup: ", "token_file", "missing-token", "-- fix: "), "\(output)")
        #expect(line("FAIL  startup: ", "bad.rules.yaml"), "\(output)")
        #expect(line("FAIL  rules: ", "do not load"), "\(output)")
        #expect(line("FAIL  store: ", "is not a directory", "-- fix: "), "\(output)")
        #expect(line("warn  source nowhere: ", "no file matches"), "\(output)")
        #expect(line("warn  source old: ", "no growth", "-- fix: "), "\(output)")
        #expect(line("FAIL  source secret: ", "readable", "-- fix: "), "\(output)")
        #expect(line("FAIL  receiver team (webhook): ", "127.0.0.1:\(closed.port)", "-- fix: "), "\(output)")
        #expect(line("FAIL  daemon: ", "127.0.0.1:\(closed.port)/readyz", "-- fix: "), "\(output)")
        #expect(result.lines.last?.contains("to fix") == true, "\(output)")
    }

    @Test func aConfigurationThatDoesNotLoadIsNamedWithItsPosition() async throws {
        let directory = try TemporaryDirectory(prefix: "infermon-doctor")
        let config = directory.file("infermon.yaml")
        try TestFiles.append("server:\n  listen: nowhere\nlog:\n  level: loud\n", to: config)
        let result = try await Self.doctor(["--config", config], in: directory, name: "doctor")
        let output = result.lines.joined(separator: "\n")
        #expect(result.status == 1, "\(output)")
        #expect(result.lines.filter { $0.hasPrefix("FAIL  config: ") && $0.contains("infermon.yaml:") }.count == 2)
        #expect(result.lines.contains { $0.contains(" clock: ") }, "host checks still run: \(output)")
    }
}

/// A TCP port on 127.0.0.1 that is bound but not listening: connections to it are refused.
final class ClosedPort {
    let descriptor: Int32
    let port: Int

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard descriptor >= 0, bound else {
            close(descriptor)
            throw InfermonError.io("cannot bind a port")
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}
