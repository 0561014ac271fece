import Foundation
import InfermonCore
import InfermonTesting
import Testing

/// The one-shot commands against a private PostgreSQL 15 (`storage.backend:
/// postgres`), through the built binary: `ingest` of a JSON-lines file, then
/// `query`, `sql` (reads, and writes that must be refused and change nothing),
/// `stats`, `silence add|list|expire`, `alerts`, `baseline`, `drift report`,
/// `budget`/`slo status`, and `labels import`.
@Suite("infermon commands on PostgreSQL", .serialized)
struct PostgresCommandsTests {
    static let events = 300

    @Test func oneShotCommandsRunOnPostgres() async throws {
        guard PostgresProcess.binDirectory != nil else {
            Issue.record(Comment(rawValue: PostgresProcess.notInstalled))
            return
        }
        let server = try await PostgresProcess(settings: ["fsync": "off"])
        do {
            let directory = try TemporaryDirectory()
            let commands = try await Commands(directory: directory, server: server)
            try await ingestThenRead(commands)
            try await sqlRefusesWrites(commands)
            try await silencesAndAlerts(commands)
            try await driftAndBaselines(commands)
            try await labelsImportStoresInPostgres(commands)
            try await doctorAndConfigCheck(commands, server: server)
            try await sqlWithAReadOnlyRole(commands, server: server)
            // Every command closed its connections: no backend of theirs is left, and none ended by EOF.
            var left = ""
            let closed = try await waitUntil(timeoutSeconds: 10, pollMillis: 100) {
                left = try await commands.sql(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = 'infermon' AND pid <> pg_backend_pid()")
                return left == "count\n0\n"
            }
            #expect(closed, "backends still connected: \(left)")
            #expect(!server.log.contains("unexpected EOF"), "\(server.log.suffix(2000))")
        } catch {
            Issue.record(error)
        }
        try await server.stop()
    }

    func ingestThenRead(_ commands: Commands) async throws {
        let now = SystemWallClock().now()
        var lines: [String] = []
        for index in 0..<Self.events {
            let model = index % 3 == 0 ? "model-a" : "model-b"
            let status = index % 10 == 0 ? "error" : "ok"
            lines.append(
                #"{"timestamp":\#(now - Int64(index) * 1000),"request_id":"r-\#(index)","model":"\#(model)","tenant":"t\#(index % 4)","status":"\#(status)","latency_ms":\#(100 + index % 50),"prompt_tokens":100,"completion_tokens":20,"prompt":"hello \#(index)"}"#
            )
        }
        lines.append("not json at all")
        let file = commands.directory.file("events.jsonl")
        try TestFiles.append(lines.joined(separator: "\n") + "\n", to: file)
        let ingest = try await commands.run(["ingest", file])
        #expect(ingest.status == 0, "\(ingest)")
        #expect(ingest.stdout.contains("\(Self.events) accepted, 1 rejected"), "\(ingest)")
        // The same file again is a re-delivery: the request ids are stored already, no event is stored twice
        // (the bad line is a dead letter again, and the unpriced counter counts twice, as on SQLite).
        let again = try await commands.run(["ingest", file])
        #expect(again.status == 0, "\(again)")

        let instant = try await commands.run(["query", "--format", "csv", "sum(infermon_requests_total)"])
        #expect(instant.status == 0, "\(instant)")
        #expect(instant.stdout.contains(",\(Self.events)"), "\(instant)")
        let byModel = try await commands.run([
            "query", "--format", "csv", "sum by (model) (infermon_requests_total)",
        ])
        #expect(byModel.stdout.contains("model-a") && byModel.stdout.contains(",100"), "\(byModel)")
        #expect(byModel.stdout.contains("model-b") && byModel.stdout.contains(",200"), "\(byModel)")
        let range = try await commands.run([
            "query", "--range", "10m", "--step", "1m", "--format", "json", "sum(infermon_requests_total)",
        ])
        #expect(range.status == 0, "\(range)")
        #expect(
            range.stdout.contains(#""resultType":"matrix""#) && range.stdout.contains(#""\#(Self.events)""#), "\(range)"
        )

        #expect(try await commands.sql("SELECT count(*) AS n FROM events") == "n\n\(Self.events)\n")
        let models = try await commands.run([
            "sql", "--format", "json",
            "SELECT k.model, count(*) AS n, sum(e.prompt_tokens) AS tokens FROM events e JOIN event_keys k ON k.id = e.key_id GROUP BY 1 ORDER BY 1",
        ])
        #expect(
            models.stdout
                == #"[{"model":"model-a","n":100,"tokens":10000},"# + "\n "
                + #"{"model":"model-b","n":200,"tokens":20000}]"#
                + "\n", "\(models)")
        // Texts are plain columns on PostgreSQL.
        #expect(try await commands.sql("SELECT prompt FROM events WHERE request_id = 'r-7'") == "prompt\nhello 7\n")
        // An empty result still names its columns; the row limit and the table output as on SQLite.
        #expect(try await commands.sql("SELECT model, tenant FROM event_keys WHERE false") == "model,tenant\n")
        let limited = try await commands.run(["sql", "--limit", "10", "SELECT generate_series(1, 50) AS n"])
        #expect(limited.status == 0, "\(limited)")
        #expect(limited.stdout.split(separator: "\n").count == 12, "header, rule and 10 rows: \(limited)")
        #expect(limited.stderr.contains("output cut at 10 rows"), "\(limited)")
        let slow = try await commands.run(["sql", "--timeout", "1", "SELECT pg_sleep(20)"])
        #expect(slow.status != 0 && slow.stderr.contains("query exceeded 1000 ms"), "\(slow)")

        let stats = try await commands.run(["stats"])
        #expect(stats.status == 0, "\(stats)")
        #expect(stats.stdout.contains("store:          postgres://"), "\(stats)")
        #expect(stats.stdout.contains("events:         \(Self.events)"), "\(stats)")
        #expect(stats.stdout.contains("dead letters:   2"), "\(stats)")  // the bad line, once per import
        #expect(stats.stdout.contains("label sets:     12"), "8 ok, 4 error (errors only at even tenants): \(stats)")
    }

    func sqlRefusesWrites(_ commands: Commands) async throws {
        let add = try await commands.run(["silence", "add", "alertname=Kept", "--comment", "must survive"])
        #expect(add.status == 0, "\(add)")
        let copied = commands.directory.file("copied")
        let readOnly = "in a read-only transaction"
        let writes = [
            // Refused before they are sent: not a query.
            (
                "DELETE FROM events",
                "only read-only queries are allowed (SELECT, WITH, VALUES, TABLE, EXPLAIN or SHOW), not DELETE"
            ),
            ("CREATE TABLE evil (x integer)", "not CREATE"),
            ("UPDATE event_keys SET model = 'changed'", "not UPDATE"),
            ("/* a comment */ TRUNCATE silences", "not TRUNCATE"),
            ("DROP TABLE dead_letters", "not DROP"),
            ("INSERT INTO settings (name, value) VALUES ('evil', '1')", "not INSERT"),
            // A READ ONLY transaction lets these through for a superuser (as the test's role is).
            ("COPY (SELECT 1) TO PROGRAM 'touch \(copied)'", "not COPY"),
            ("DO $$BEGIN EXECUTE 'DELETE FROM events'; END$$", "not DO"),
            // Queries that write: refused by PostgreSQL itself.
            (
                "WITH gone AS (DELETE FROM events RETURNING 1) SELECT count(*) FROM gone",
                "cannot execute SELECT \(readOnly)"
            ),
            ("SELECT nextval('events_id_seq')", "cannot execute nextval() \(readOnly)"),
            ("SELECT * INTO evil FROM events", "cannot execute SELECT INTO \(readOnly)"),
            ("EXPLAIN ANALYZE DELETE FROM events", "cannot execute DELETE \(readOnly)"),
            // More than one statement, whatever the first is.
            ("SELECT 1; DELETE FROM events", "one statement at a time"),
            ("SELECT count(*) FROM events; DELETE FROM silences", "one statement at a time"),
        ]
        for (statement, refusal) in writes {
            let result = try await commands.run(["sql", statement])
            #expect(result.status != 0, "\(statement) was not refused: \(result)")
            #expect(result.stderr.contains(refusal), "\(statement): \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(statement): \(result.stdout)")
        }
        #expect(try await commands.sql("SELECT count(*) AS n FROM events") == "n\n\(Self.events)\n")
        #expect(try await commands.sql("SELECT count(*) AS n FROM silences") == "n\n1\n")
        #expect(try await commands.sql("SELECT count(*) AS n FROM dead_letters") == "n\n2\n")
        #expect(try await commands.sql("SELECT count(*) AS n FROM event_keys WHERE model = 'changed'") == "n\n0\n")
        #expect(try await commands.sql("SELECT count(*) AS n FROM settings WHERE name = 'evil'") == "n\n0\n")
        #expect(try await commands.sql("SELECT count(*) AS n FROM pg_tables WHERE tablename = 'evil'") == "n\n0\n")
        #expect(try await commands.sql("SELECT last_value FROM events_id_seq") == "last_value\n\(Self.events)\n")
        #expect(!FileManager.default.fileExists(atPath: copied), "COPY TO PROGRAM ran")
        // Comments and parentheses before a query are fine.
        #expect(try await commands.sql("/* a /* nested */ comment */ -- and a line\n(SELECT 1 AS one)") == "one\n1\n")
    }

    func silencesAndAlerts(_ commands: Commands) async throws {
        let add = try await commands.run([
            "silence", "add", "alertname=HighLatency", "model=model-a", "--duration", "2h", "--comment", "deploy",
        ])
        #expect(add.status == 0, "\(add)")
        let id = add.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!id.isEmpty)
        let list = try await commands.run(["silence", "list"])
        #expect(list.status == 0, "\(list)")
        #expect(list.stdout.contains("\(id)  active") && list.stdout.contains("deploy"), "\(list)")
        #expect(list.stdout.contains("must survive"), "\(list)")
        let expire = try await commands.run(["silence", "expire", id])
        #expect(expire.status == 0 && expire.stdout.contains("expired \(id)"), "\(expire)")
        let expired = try await commands.run(["silence", "list", "--state", "expired"])
        #expect(expired.stdout.contains("\(id)  expired"), "\(expired)")

        // No daemon listens on the configured address: the stored alert states (none) are shown.
        let alerts = try await commands.run(["alerts"])
        #expect(alerts.status == 0, "\(alerts)")
        #expect(alerts.stderr.contains("showing the alert states it last stored"), "\(alerts)")
        #expect(alerts.stdout.contains("no active alerts"), "\(alerts)")
    }

    func driftAndBaselines(_ commands: Commands) async throws {
        let save = try await commands.run(["baseline", "save", "--from", "now-1h", "--name", "before"])
        #expect(save.status == 0, "\(save)")
        #expect(save.stdout.contains("\(Self.events) events of 2 model(s)"), "\(save)")
        let list = try await commands.run(["baseline", "list"])
        #expect(list.stdout.hasPrefix("before\t") && list.stdout.contains("\(Self.events) events"), "\(list)")
        let drift = try await commands.run([
            "drift", "report", "--baseline", "before", "--from", "now-1h", "--format", "json",
        ])
        #expect(drift.status == 0, "\(drift)")
        #expect(drift.stdout.contains("model-a") && drift.stdout.contains("model-b"), "\(drift)")
        let budget = try await commands.run(["budget", "status"])
        #expect(budget.status == 0 && budget.stdout.contains("no budgets configured"), "\(budget)")
        let slo = try await commands.run(["slo", "status"])
        #expect(slo.status == 0 && slo.stdout.contains("no SLOs configured"), "\(slo)")
    }

    func labelsImportStoresInPostgres(_ commands: Commands) async throws {
        let file = commands.directory.file("labels.jsonl")
        try TestFiles.append(
            #"{"request_id":"r-1","name":"hallucinated","value":true}"# + "\n"
                + #"{"request_id":"r-2","name":"hallucinated","value":"no","source":"review"}"# + "\n", to: file)
        let labels = try await commands.run(["labels", "import", file])
        #expect(labels.status == 0 && labels.stdout.contains("imported 2 label(s)"), "\(labels)")
        let stored = try await commands.sql(
            "SELECT request_id, source, value_number, value_text FROM truth_labels ORDER BY request_id")
        #expect(
            stored == "request_id,source,value_number,value_text\nr-1,human,1.0,true\nr-2,review,,no\n", "\(stored)")
    }

    func doctorAndConfigCheck(_ commands: Commands, server: PostgresProcess) async throws {
        let doctor = try await commands.run(["doctor"])
        #expect(doctor.stdout.contains("ok    store: \(server.url) (PostgreSQL 15"), "\(doctor)")
        let check = try await runCommand(
            ChildProcess.infermonBinary(), ["config", "check", commands.config], directory: commands.directory.path,
            name: "config-check")
        #expect(check.stdout.contains("store:   \(server.url)"), "\(check)")
        // A server that is not there: said plainly, not as PostgresNIO's generic text.
        let closed = try await RecordingReceiver.reservablePort()
        let nowhere = commands.directory.file("nowhere.yaml")
        try TestFiles.append(
            """
            storage:
              backend: postgres
              postgres:
                url: postgres://infermon@127.0.0.1:\(closed)/infermon
                password_file: \(server.passwordFile)
            """, to: nowhere)
        for arguments in [["stats"], ["sql", "SELECT 1"], ["silence", "list"]] {
            let result = try await runCommand(
                ChildProcess.infermonBinary(), arguments + ["--config", nowhere], directory: commands.directory.path,
                name: "nowhere-\(UUID().uuidString.prefix(8))")
            #expect(result.status == 1, "\(arguments): \(result)")
            #expect(
                result.stderr.contains("PostgreSQL at postgres://infermon@127.0.0.1:\(closed)/infermon")
                    && result.stderr.contains("Connection refused") && !result.stderr.contains("PSQLError"),
                "\(arguments): \(result.stderr)")
        }
        let failing = try await runCommand(
            ChildProcess.infermonBinary(), ["doctor", "--config", nowhere], directory: commands.directory.path,
            name: "doctor-nowhere")
        #expect(failing.status == 1 && failing.stdout.contains("FAIL  store: PostgreSQL at"), "\(failing)")
    }

    /// A role that may only read (`pg_read_all_data`) is all `sql` needs: it
    /// reads, and what the READ ONLY transaction cannot stop, its privileges do.
    func sqlWithAReadOnlyRole(_ commands: Commands, server: PostgresProcess) async throws {
        guard let bin = PostgresProcess.binDirectory else { return }
        let password = "reader-\(UUID().uuidString.prefix(8))"
        var environment = ChildProcess.currentEnvironment
        environment["PGPASSWORD"] = server.password
        let psql = try ChildProcess(
            executable: "\(bin)/psql",
            arguments: [
                "-h", "127.0.0.1", "-p", "\(server.port)", "-U", server.user, "-d", server.database, "-v",
                "ON_ERROR_STOP=1", "-c",
                "CREATE ROLE reader LOGIN PASSWORD '\(password)'; GRANT pg_read_all_data TO reader",
            ], environment: environment, outputPrefix: commands.directory.file("psql"))
        let created = try await psql.wait()
        #expect(created == 0, "\(psql.standardError())")
        let passwordFile = commands.directory.file("reader-password")
        try TestFiles.append(password + "\n", to: passwordFile)
        let config = commands.directory.file("reader.yaml")
        try TestFiles.append(
            """
            storage:
              backend: postgres
              postgres:
                url: postgres://reader@127.0.0.1:\(server.port)/\(server.database)
                password_file: \(passwordFile)
            """, to: config)
        func sql(_ statement: String) async throws -> (status: Int32, stdout: String, stderr: String) {
            try await runCommand(
                ChildProcess.infermonBinary(), ["sql", "--format", "csv", "--config", config, statement],
                directory: commands.directory.path, name: "reader-\(UUID().uuidString.prefix(8))")
        }
        let count = try await sql("SELECT count(*) AS n FROM events")
        #expect(count.status == 0 && count.stdout == "n\n\(Self.events)\n", "\(count)")
        let terminate = try await sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'infermon'")
        #expect(terminate.status != 0 && terminate.stderr.contains("to terminate"), "\(terminate)")
    }

    /// Runs the built binary with a configuration on the private server.
    struct Commands {
        let directory: TemporaryDirectory
        let config: String

        init(directory: TemporaryDirectory, server: PostgresProcess) async throws {
            self.directory = directory
            config = directory.file("infermon.yaml")
            // A port nothing listens on: `alerts` and `stats` must not find someone else's daemon.
            let port = try await RecordingReceiver.reservablePort()
            try TestFiles.append(
                """
                storage:
                  backend: postgres
                  postgres:
                    url: \(server.url)
                    password_file: \(server.passwordFile)
                    host_name: commands-test
                server:
                  listen: 127.0.0.1:\(port)
                """, to: config)
        }

        func run(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
            try await runCommand(
                ChildProcess.infermonBinary(), arguments + ["--config", config], directory: directory.path,
                name: "\(arguments[0])-\(UUID().uuidString.prefix(8))")
        }

        /// A read's CSV output; an error's message when the command fails.
        func sql(_ statement: String) async throws -> String {
            let result = try await run(["sql", "--format", "csv", statement])
            return result.status == 0 ? result.stdout : "failed: \(result.stderr)"
        }
    }
}
