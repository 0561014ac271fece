import Foundation
import InfermonCore
import InfermonTesting
import Testing

/// Silences over HTTP, judged by Alertmanager's own client: `amtool` adds,
/// queries and expires silences on a running infermon, and the CLI reading
/// the store sees the same ones.
@Suite("Silence API end to end", .serialized)
struct SilenceAPITests {
    struct Fixture {
        let directory: TemporaryDirectory
        let daemon: DaemonProcess
        let httpConfig: String

        init() async throws {
            directory = try TemporaryDirectory()
            try TestFiles.append("s3cret-0123456789abcdef\n", to: directory.file("token"))
            try TestFiles.append(
                "authorization:\n  type: Bearer\n  credentials: s3cret-0123456789abcdef\n",
                to: directory.file("amtool-http.yaml"))
            httpConfig = directory.file("amtool-http.yaml")
            daemon = try await DaemonProcess(
                config: "storage:\n  path: \(directory.file("store.db"))\nsources: []\n", directory: directory.path,
                serverYAML: "  auth:\n    token_file: \(directory.file("token"))\n")
        }

        func amtool(_ arguments: [String], name: String) async throws -> (status: Int32, stdout: String, stderr: String)
        {
            try await runCommand(
                "/usr/bin/amtool",
                ["--alertmanager.url=\(daemon.baseURL)", "--http.config.file=\(httpConfig)"] + arguments,
                directory: directory.path, name: name)
        }
    }

    @Test(.enabled(if: findExecutable("amtool") != nil, "needs amtool (Debian package prometheus-alertmanager)"))
    func amtoolAddsQueriesAndExpiresSilences() async throws {
        let fixture = try await Fixture()
        defer { fixture.daemon.discard() }

        let added = try await fixture.amtool(
            [
                "silence", "add", "alertname=InfermonCostSpike", "model=~gpt-4.*", "--duration=2h",
                "--author=oncall", "--comment=vendor incident",
            ], name: "add")
        #expect(added.status == 0, "amtool silence add: \(added.stderr)")
        let id = added.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.count == 36, "a UUID: \(id)")

        let query = try await fixture.amtool(["silence", "query", "-o", "json"], name: "query")
        #expect(query.status == 0, "amtool silence query: \(query.stderr)")
        let listed = try JSONSerialization.jsonObject(with: Data(query.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(listed.count == 1)
        let silence = try #require(listed.first)
        #expect(silence["id"] as? String == id)
        #expect(silence["createdBy"] as? String == "oncall")
        #expect(silence["comment"] as? String == "vendor incident")
        #expect((silence["status"] as? [String: Any])?["state"] as? String == "active")
        let matchers = (silence["matchers"] as? [[String: Any]] ?? []).map {
            "\($0["name"] as? String ?? "")|\($0["value"] as? String ?? "")|\($0["isRegex"] as? Bool == true)"
        }
        #expect(matchers == ["alertname|InfermonCostSpike|false", "model|gpt-4.*|true"])

        // amtool's filter is applied by the server: a filter naming another alert returns nothing.
        let filtered = try await fixture.amtool(["silence", "query", "-q", "alertname=Other"], name: "filtered")
        #expect(filtered.status == 0 && filtered.stdout.isEmpty, "\(filtered.stdout) \(filtered.stderr)")
        let matching = try await fixture.amtool(
            ["silence", "query", "-q", "alertname=InfermonCostSpike"], name: "match")
        #expect(matching.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == id)

        // The store the daemon writes is the one the CLI reads.
        let cli = try await runCommand(
            ChildProcess.infermonBinary(), ["silence", "list", "--db", fixture.directory.file("store.db")],
            directory: fixture.directory.path, name: "cli-list")
        #expect(cli.status == 0 && cli.stdout.contains(id), "\(cli.stdout) \(cli.stderr)")

        let expired = try await fixture.amtool(["silence", "expire", id], name: "expire")
        #expect(expired.status == 0, "amtool silence expire: \(expired.stderr)")
        let after = try await HTTP.request(.get, fixture.daemon.baseURL + "/api/v2/silence/\(id)")
        #expect(after.status == 200 && after.body.contains(#""state":"expired""#), "\(after.body)")
    }

    @Test func badRequestsAreRefusedWithTheReason() async throws {
        let fixture = try await Fixture()
        defer { fixture.daemon.discard() }
        let base = fixture.daemon.baseURL
        let valid = #"""
            {"matchers":[{"name":"alertname","value":"X","isRegex":false}],
             "startsAt":"2020-01-01T00:00:00Z","endsAt":"2999-01-01T00:00:00Z","createdBy":"me","comment":"why"}
            """#

        // Writes need the token; reads do not on loopback.
        #expect(try await HTTP.request(.post, base + "/api/v2/silences", body: valid).status == 401)
        #expect(try await HTTP.request(.get, base + "/api/v2/silences").status == 200)
        #expect(try await HTTP.request(.delete, base + "/api/v2/silence/x").status == 401)

        let matchAll = valid.replacingFirstOccurrence(#""value":"X""#, with: #""value":".*""#)
            .replacingFirstOccurrence(#""isRegex":false"#, with: #""isRegex":true"#)
        let refused = try await HTTP.request(
            .post, base + "/api/v2/silences", body: matchAll, token: "s3cret-0123456789abcdef")
        #expect(refused.status == 400 && refused.body.contains("would mute every alert"), "\(refused.body)")
        let badTime = valid.replacingFirstOccurrence("2999-01-01T00:00:00Z", with: "tomorrow")
        let timeAnswer = try await HTTP.request(
            .post, base + "/api/v2/silences", body: badTime, token: "s3cret-0123456789abcdef")
        #expect(timeAnswer.status == 400 && timeAnswer.body.contains("endsAt"), "\(timeAnswer.body)")
        let notJSON = try await HTTP.request(
            .post, base + "/api/v2/silences", body: "{", token: "s3cret-0123456789abcdef")
        #expect(notJSON.status == 400)
        let missing = try await HTTP.request(.delete, base + "/api/v2/silence/nope", token: "s3cret-0123456789abcdef")
        #expect(missing.status == 404)

        // Posting with an id replaces that silence: the old one expires, a new one is active.
        let created = try await HTTP.request(
            .post, base + "/api/v2/silences", body: valid, token: "s3cret-0123456789abcdef")
        #expect(created.status == 200, "\(created.body)")
        let object = try JSONSerialization.jsonObject(with: Data(created.body.utf8)) as? [String: Any]
        let first = try #require(object?["silenceID"] as? String)
        let update = valid.replacingFirstOccurrence("{", with: #"{"id":"\#(first)","#)
            .replacingFirstOccurrence(#""comment":"why""#, with: #""comment":"longer""#)
        let replaced = try await HTTP.request(
            .post, base + "/api/v2/silences", body: update, token: "s3cret-0123456789abcdef")
        #expect(replaced.status == 200 && !replaced.body.contains(first), "\(replaced.body)")
        let old = try await HTTP.request(.get, base + "/api/v2/silence/\(first)")
        #expect(old.body.contains(#""state":"expired""#), "\(old.body)")
        let all = try await HTTP.request(.get, base + "/api/v2/silences")
        #expect(all.body.components(separatedBy: #""state":"active""#).count == 2, "\(all.body)")
    }
}
