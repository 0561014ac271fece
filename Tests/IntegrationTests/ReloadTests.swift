import Collectors
import Foundation
import InfermonCore
import InfermonTesting
import Store
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// SIGHUP and `POST /-/reload` with a good and a broken configuration, through a real daemon.
@Suite("Configuration reload")
struct ReloadTests {
    static func line(_ id: String) -> String {
        #"{"timestamp":\#(SystemWallClock().now()),"request_id":"\#(id)","model":"m"}"# + "\n"
    }

    static func count(_ store: String, where condition: String) -> Int64 {
        guard let sql = try? ReadOnlySQL(path: store),
            let row = try? sql.query("SELECT count(*) FROM events WHERE \(condition)").rows.first,
            case .integer(let count) = row[0]
        else { return -1 }
        return count
    }

    static func metric(_ name: String, at url: String) async throws -> Double? {
        let answer = try await HTTP.request(.get, url + "/metrics")
        return answer.body.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap {
            Double($0.split(separator: " ")[1])
        }
    }

    @Test func goodConfigAppliesAndBrokenConfigChangesNothing() async throws {
        let directory = try TemporaryDirectory()
        for folder in ["a", "b"] { try makeDirectoryForTest(directory.file(folder)) }
        let store = directory.file("store.db")
        func config(sources: String) -> String { "storage:\n  path: \(store)\nsources:\n\(sources)\n" }
        let sourceA = "  - {name: a, paths: [\"\(directory.file("a"))/*.jsonl\"], poll_interval: 20ms}"
        let sourceB = "  - {name: b, paths: [\"\(directory.file("b"))/*.jsonl\"], poll_interval: 20ms}"
        let daemon = try await DaemonProcess(config: config(sources: sourceA), directory: directory.path)
        defer { daemon.discard() }
        try TestFiles.append(Self.line("a1"), to: directory.file("a/x.jsonl"))
        try TestFiles.append(Self.line("b1"), to: directory.file("b/x.jsonl"))
        #expect(try await waitUntil(timeoutSeconds: 20) { Self.count(store, where: "request_id = 'a1'") == 1 })
        #expect(Self.count(store, where: "request_id = 'b1'") == 0, "source b is not configured yet")

        // A good configuration: source b appears, without a restart.
        TestFiles.remove(daemon.configPath)
        try TestFiles.append(
            config(sources: sourceA + "\n" + sourceB) + "server:\n  listen: 127.0.0.1:0\n", to: daemon.configPath)
        daemon.process.signal(SIGHUP)
        #expect(try await waitUntil(timeoutSeconds: 20) { Self.count(store, where: "request_id = 'b1'") == 1 })
        #expect(try await Self.metric("infermon_config_last_reload_successful", at: daemon.baseURL) == 1)

        // A broken one: refused with its position, the old one stays in force.
        TestFiles.remove(daemon.configPath)
        try TestFiles.append(
            config(sources: sourceA + "\n" + sourceB) + "colour: red\nserver:\n  listen: 127.0.0.1:0\n",
            to: daemon.configPath)
        let answer = try await HTTP.request(.post, daemon.baseURL + "/-/reload")
        #expect(answer.status == 403, "reload is a write: it needs the token, and none is configured")
        daemon.process.signal(SIGHUP)
        #expect(try await waitUntil(timeoutSeconds: 20) { daemon.log.contains("reload failed") })
        #expect(
            daemon.log.contains("\(daemon.configPath):6:1: unknown key \\\"colour\\\""),
            "the error names file:line:col: \(daemon.log.suffix(600))")
        #expect(try await Self.metric("infermon_config_last_reload_successful", at: daemon.baseURL) == 0)
        try TestFiles.append(Self.line("b2"), to: directory.file("b/x.jsonl"))
        try TestFiles.append(Self.line("a2"), to: directory.file("a/x.jsonl"))
        #expect(try await waitUntil(timeoutSeconds: 20) { Self.count(store, where: "request_id IN ('a2', 'b2')") == 2 })
        #expect(try await daemon.stop() == 0)
    }

    @Test func thePriceTableFollowsAReloadAndStartupSectionsAreRefused() async throws {
        let directory = try TemporaryDirectory()
        try makeDirectoryForTest(directory.file("logs"))
        try TestFiles.append("s3cret-0123456789abcdef\n", to: directory.file("token"))
        func prices(_ input: Double) throws {
            TestFiles.remove(directory.file("pricing.yaml"))
            try TestFiles.append(
                "models:\n  - {name: m, provider: test, prices: [{input: \(input), output: 0}]}\n",
                to: directory.file("pricing.yaml"))
        }
        try prices(1.0)
        let store = directory.file("store.db")
        let base = """
            storage:
              path: \(store)
            pricing: \(directory.file("pricing.yaml"))
            sources:
              - {name: logs, paths: ["\(directory.file("logs"))/*.jsonl"], poll_interval: 20ms}

            """
        let daemon = try await DaemonProcess(
            config: base, directory: directory.path,
            serverYAML: "  auth:\n    token_file: \(directory.file("token"))\n")
        defer { daemon.discard() }
        func logRequest(_ id: String) throws {
            try TestFiles.append(
                #"{"timestamp":\#(SystemWallClock().now()),"request_id":"\#(id)","model":"m","prompt_tokens":1000000}"#
                    + "\n",
                to: directory.file("logs/app.jsonl"))
        }
        try logRequest("before")
        #expect(
            try await waitUntil(timeoutSeconds: 20) {
                Self.count(store, where: "request_id = 'before' AND cost = 1.0") == 1
            })

        // A new price: reloaded, and only later events pay it.
        try prices(2.0)
        let reloaded = try await HTTP.request(.post, daemon.baseURL + "/-/reload", token: "s3cret-0123456789abcdef")
        #expect(reloaded.status == 200, "\(reloaded.body)")
        try logRequest("after")
        #expect(
            try await waitUntil(timeoutSeconds: 20) {
                Self.count(store, where: "request_id = 'after' AND cost = 2.0") == 1
            })
        #expect(Self.count(store, where: "request_id = 'before' AND cost = 1.0") == 1, "stored spend is not repriced")

        // A broken price table is refused with its position; the old prices stay.
        TestFiles.remove(directory.file("pricing.yaml"))
        try TestFiles.append(
            "models:\n  - {name: m, provider: test, prices: [{input: cheap, output: 0}]}\n",
            to: directory.file("pricing.yaml"))
        let broken = try await HTTP.request(.post, daemon.baseURL + "/-/reload", token: "s3cret-0123456789abcdef")
        #expect(broken.status == 422 && broken.body.contains("pricing.yaml:2:"), "\(broken.body)")
        try prices(2.0)

        // A section read only at startup is refused by name, not reported as applied.
        let text = String(decoding: try TestFiles.read(daemon.configPath), as: UTF8.self)
        TestFiles.remove(daemon.configPath)
        try TestFiles.append(text + "detectors:\n  interval: 2m\n", to: daemon.configPath)
        let refused = try await HTTP.request(.post, daemon.baseURL + "/-/reload", token: "s3cret-0123456789abcdef")
        #expect(
            refused.status == 422 && refused.body.contains("detectors can only change with a restart"),
            "\(refused.body)")
        #expect(try await Self.metric("infermon_config_last_reload_successful", at: daemon.baseURL) == 0)
    }

    @Test func reloadOverHTTPWithTheToken() async throws {
        let directory = try TemporaryDirectory()
        try TestFiles.append("s3cret-0123456789abcdef\n", to: directory.file("token"))
        let daemon = try await DaemonProcess(
            config: "storage:\n  path: \(directory.file("store.db"))\nsources: []\n", directory: directory.path,
            serverYAML: "  auth:\n    token_file: \(directory.file("token"))\n")
        defer { daemon.discard() }
        #expect(try await HTTP.request(.post, daemon.baseURL + "/-/reload").status == 401)
        #expect(try await HTTP.request(.post, daemon.baseURL + "/-/reload", token: "wrong").status == 401)
        let good = try await HTTP.request(.post, daemon.baseURL + "/-/reload", token: "s3cret-0123456789abcdef")
        #expect(good.status == 200, "\(good.body)")
        // Changing the listen address needs a restart: refused, and said so.
        let text = String(decoding: try TestFiles.read(daemon.configPath), as: UTF8.self)
        TestFiles.remove(daemon.configPath)
        try TestFiles.append(text.replacingFirstOccurrence("127.0.0.1:0", with: "127.0.0.1:1"), to: daemon.configPath)
        let refused = try await HTTP.request(.post, daemon.baseURL + "/-/reload", token: "s3cret-0123456789abcdef")
        #expect(
            refused.status == 422 && refused.body.contains("server.listen can only change with a restart"),
            "\(refused.body)")
    }
}

extension String {
    func replacingFirstOccurrence(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
