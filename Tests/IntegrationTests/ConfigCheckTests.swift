import InfermonCore
import InfermonTesting
import Store
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `infermon config check` is a real pre-flight: what it passes, `serve` starts
/// with, and what `serve` refuses it reports — every problem at once, each with
/// its position, like a compiler.
@Suite("config check as serve's pre-flight")
struct ConfigCheckTests {
    static func check(_ config: String, in directory: TemporaryDirectory, environment: [String: String] = [:])
        async throws -> (status: Int32, output: String)
    {
        let path = directory.file("infermon-\(UInt32.random(in: 0...UInt32.max)).yaml")
        try TestFiles.append(config, to: path)
        let process = try ChildProcess(
            executable: ChildProcess.infermonBinary(), arguments: ["config", "check", path],
            environment: ChildProcess.currentEnvironment.merging(environment) { $1 },
            outputPrefix: directory.file("check-\(UInt32.random(in: 0...UInt32.max))"))
        let status = try await process.wait()
        return (status, process.standardOutput() + process.standardError())
    }

    @Test func syntaxErrorsInSeveralSectionsAreAllReportedWithTheirPositions() async throws {
        let directory = try TemporaryDirectory()
        let result = try await Self.check(
            """
            storage:
              rollup_interval: 7s
            server:
              listen: 127.0.0.1:9464
              max_body_bytes: lots
            sources:
              - {name: a, paths: ["/tmp/a/*.jsonl"], profile: nosuch}
              - {name: b, paths: []}
            log:
              level: loud
            """, in: directory)
        #expect(result.status != 0)
        for position in [".yaml:2:", ".yaml:5:", ".yaml:7:", ".yaml:8:", ".yaml:10:"] {
            #expect(result.output.contains(position), "\(position) in \(result.output)")
        }
        #expect(result.output.contains("5 problems"), "\(result.output)")
    }

    @Test func whatServeRefusesTheCheckRefusesTooAllAtOnce() async throws {
        let directory = try TemporaryDirectory()
        try TestFiles.append("short\n", to: directory.file("token"))
        let config = """
            storage:
              path: \(directory.file("store.db"))
            server:
              listen: 0.0.0.0:0
            pricing: \(directory.file("no-such-prices.yaml"))
            rule_files: [alerts/*.rules.yaml]
            notifications:
              route: {receiver: team}
              receivers:
                - name: team
                  slack_configs:
                    - url_file: \(directory.file("no-such-url"))
                  webhook_configs:
                    - url: http://127.0.0.1:1/hook
                      secret_env: INFERMON_TEST_UNSET_SECRET
            """
        let result = try await Self.check(config, in: directory)
        #expect(result.status != 0)
        for problem in [
            "server.auth.token_file must be set", "no-such-prices.yaml", "alerts/*.rules.yaml\" matches no file",
            "no-such-url", "INFERMON_TEST_UNSET_SECRET",
        ] {
            #expect(result.output.contains(problem), "\(problem) in \(result.output)")
        }
        // serve says the same, before it opens anything.
        let serve = try await runCommand(
            ChildProcess.infermonBinary(), ["serve", "--config", directory.file("serve.yaml")],
            directory: directory.path,
            name: "serve-missing")
        #expect(serve.status != 0)
        try TestFiles.append(config, to: directory.file("serve.yaml"))
        let refused = try await runCommand(
            ChildProcess.infermonBinary(), ["serve", "--config", directory.file("serve.yaml")],
            directory: directory.path,
            name: "serve")
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("matches no file") && refused.stderr.contains("token_file must be set"))
        #expect(access(directory.file("store.db"), F_OK) != 0, "nothing was opened")

        // A token too short to be a secret.
        let short = try await Self.check(
            "server:\n  listen: 127.0.0.1:0\n  auth:\n    token_file: \(directory.file("token"))\n", in: directory)
        #expect(short.status != 0 && short.output.contains("use at least 16"), "\(short.output)")
    }

    @Test func aGoodConfigPassesAndServeStartsWithIt() async throws {
        let directory = try TemporaryDirectory()
        try TestFiles.append("a-token-long-enough-0123456789\n", to: directory.file("token"))
        try TestFiles.append("https://hooks.slack.test/T0/B0/x\n", to: directory.file("slack-url"))
        let rest = """
            storage:
              path: \(directory.file("store.db"))
            notifications:
              route: {receiver: team}
              receivers:
                - name: team
                  slack_configs:
                    - url_file: \(directory.file("slack-url"))
                  webhook_configs:
                    - url: http://127.0.0.1:1/hook
                      secret_env: INFERMON_TEST_WEBHOOK_SECRET
            """
        let auth = "  auth:\n    token_file: \(directory.file("token"))\n"
        let secret = ["INFERMON_TEST_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]
        let result = try await Self.check(
            rest + "\nserver:\n  listen: 127.0.0.1:0\n" + auth
                + "sources:\n  - {name: later, paths: [\"\(directory.file("nothing-yet"))/*.jsonl\"]}\n",
            in: directory, environment: secret)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("source later:") && result.output.contains("warning: no file matches yet"))
        let daemon = try await DaemonProcess(
            config: rest, directory: directory.path, serverYAML: auth, environment: secret)
        #expect(try await daemon.stop() == 0)
    }
}

/// Paths in a configuration are taken from the configuration file's directory,
/// as Prometheus takes them: the unit runs the daemon in its state directory,
/// and `rules/pricing.yaml` must still mean the file beside the config.
@Suite("Paths relative to the configuration file")
struct ConfigRelativePathTests {
    @Test func everyPathIsTakenFromTheConfigFilesDirectory() async throws {
        let directory = try TemporaryDirectory()
        for folder in ["logs", "data", "etc"] { try makeDirectoryForTest(directory.file(folder)) }
        try TestFiles.append("relative-token-0123456789\n", to: directory.file("etc/token"))
        try TestFiles.append(
            "models:\n  - {name: m, provider: test, prices: [{input: 1.0, output: 0}]}\n",
            to: directory.file("etc/prices.yaml"))
        let now = SystemWallClock().now()
        try TestFiles.append(
            #"{"timestamp":\#(now),"request_id":"r1","model":"m","prompt_tokens":1000000}"# + "\n",
            to: directory.file("logs/app.jsonl"))
        // The config lives in etc/; the test process's working directory is elsewhere.
        let daemon = try await DaemonProcess(
            config: """
                storage:
                  path: ../data/store.db
                pricing: prices.yaml
                sources:
                  - {name: app, paths: ["../logs/*.jsonl"], poll_interval: 20ms}
                """, directory: directory.file("etc"), serverYAML: "  auth:\n    token_file: token\n")
        defer { daemon.discard() }
        let store = directory.file("data/store.db")
        #expect(
            try await waitUntil(timeoutSeconds: 20) {
                (try? ReadOnlySQL(path: store).query("SELECT cost FROM events WHERE request_id = 'r1'").rows)
                    == [[.real(1.0)]]
            }, "priced from etc/prices.yaml into data/store.db")
        let reload = try await HTTP.request(
            .post, daemon.baseURL + "/-/reload", token: "relative-token-0123456789")
        #expect(reload.status == 200, "the token came from etc/token: \(reload.body)")
    }
}
