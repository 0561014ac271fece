import Foundation
import InfermonCore
import InfermonTesting
import Testing

/// The rights each command needs on PostgreSQL, through the built binary: a
/// role that may only read runs every command that reads, and every command
/// that writes is refused by PostgreSQL and says what rights it lacks; a role
/// that writes rows but may not change the schema runs the writing commands
/// (events of a day without a partition too); a schema missing or older than
/// the binary is refused as "must be migrated", and openers racing to migrate
/// it do so once.
@Suite("infermon on PostgreSQL with limited roles", .serialized)
struct PostgresRolesTests {
    static let events = 120

    @Test func readOnlyRoleRunsTheReadingCommandsAndIsRefusedTheWritingOnes() async throws {
        try await withServer { fixture in
            let now = SystemWallClock().now()
            let file = try fixture.eventsFile("events.jsonl", count: Self.events, endingAt: now, prefix: "r")
            let ingest = try await fixture.run(["ingest", file], config: fixture.owner)
            #expect(ingest.status == 0, "\(ingest)")
            let silence = try await fixture.run(
                ["silence", "add", "alertname=Kept", "--comment", "owner made"], config: fixture.owner)
            #expect(silence.status == 0, "\(silence)")
            let silenceID = silence.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let save = try await fixture.run(
                ["baseline", "save", "--from", "now-1h", "--name", "before"], config: fixture.owner)
            #expect(save.status == 0, "\(save)")

            let reader = try await fixture.createRole("reader")
            try await fixture.grant(PostgresRoleFixture.readGrants, to: "reader")
            let reads: [([String], String)] = [
                (["query", "--format", "csv", "sum(infermon_requests_total)"], ",\(Self.events)"),
                (["query", "--range", "10m", "--step", "1m", "sum(infermon_requests_total)"], "\(Self.events)"),
                (["stats"], "events:         \(Self.events)"),
                (["silence", "list"], "owner made"),
                (["alerts"], "no active alerts"),
                (["baseline", "list"], "before"),
                (["drift", "report", "--baseline", "before", "--from", "now-1h", "--format", "json"], "model-a"),
                (["budget", "status"], "no budgets configured"),
                (["slo", "status"], "no SLOs configured"),
                (["report", "--format", "markdown", "--from", "now-1h"], "#"),
                (["performance", "report", "--format", "json"], #"{"models":"#),
                (["sql", "--format", "csv", "SELECT count(*) AS n FROM events"], "n\n\(Self.events)\n"),
            ]
            for (arguments, expected) in reads {
                let result = try await fixture.run(arguments, config: reader)
                #expect(result.status == 0, "\(arguments): \(result)")
                #expect(result.stdout.contains(expected), "\(arguments): \(result)")
            }

            // canary's exit status is its verdict: it read the rollout if it printed a report and no error.
            let canary = try await fixture.run(
                ["canary", "--baseline", "model=model-a", "--candidate", "model=model-b"], config: reader)
            #expect(
                canary.stdout.contains("model=model-b") && !canary.stderr.contains("PostgreSQL at"), "\(canary)")

            let more = try fixture.eventsFile("more.jsonl", count: 10, endingAt: now, prefix: "more")
            let labels = fixture.directory.file("labels.jsonl")
            try TestFiles.append(#"{"request_id":"r-1","name":"hallucinated","value":true}"# + "\n", to: labels)
            let writes: [[String]] = [
                ["ingest", more],
                ["silence", "add", "alertname=Refused", "--comment", "reader made"],
                ["silence", "expire", silenceID],
                ["labels", "import", labels],
                ["baseline", "save", "--from", "now-1h", "--name", "reader-made"],
            ]
            for arguments in writes {
                let result = try await fixture.run(arguments, config: reader)
                #expect(result.status != 0, "\(arguments) was not refused: \(result)")
                #expect(
                    result.stderr.contains("permission denied for table")
                        && result.stderr.contains("may not do what this command does")
                        && !result.stderr.contains("PSQLError"), "\(arguments): \(result.stderr)")
            }
            // Nothing the reader tried was stored.
            #expect(try await fixture.psql("SELECT count(*) FROM events") == "\(Self.events)")
            #expect(try await fixture.psql("SELECT count(*) FROM silences WHERE ends_at > \(now)") == "1")
            #expect(try await fixture.psql("SELECT count(*) FROM truth_labels") == "0")
            #expect(try await fixture.psql("SELECT string_agg(name, ',') FROM drift_baselines") == "before")
        }
    }

    @Test func roleWithoutSchemaRightsRunsTheWritingCommands() async throws {
        try await withServer { fixture in
            let now = SystemWallClock().now()
            let first = try fixture.eventsFile("first.jsonl", count: 10, endingAt: now, prefix: "owner")
            #expect(try await fixture.run(["ingest", first], config: fixture.owner).status == 0)
            let writer = try await fixture.createRole("writer")
            try await fixture.grant(PostgresRoleFixture.writeGrants, to: "writer")
            #expect(try await fixture.psql("SELECT has_schema_privilege('writer', 'public', 'CREATE')") == "f")

            // Today's events, and a day three days back that has no partition yet.
            let today = try fixture.eventsFile("today.jsonl", count: Self.events, endingAt: now, prefix: "w")
            let earlier = now - 3 * 86_400_000
            let old = try fixture.eventsFile("old.jsonl", count: 5, endingAt: earlier, prefix: "old")
            for file in [today, old] {
                let ingest = try await fixture.run(["ingest", file], config: writer)
                #expect(ingest.status == 0, "\(ingest)")
            }
            #expect(try await fixture.psql("SELECT count(*) FROM events") == "\(Self.events + 15)")
            let day = earlier / 86_400_000 * 86_400_000
            #expect(
                try await fixture.psql(
                    "SELECT pg_get_userbyid(relowner) FROM pg_class c JOIN pg_inherits i ON i.inhrelid = c.oid "
                        + "WHERE pg_get_expr(c.relpartbound, c.oid) LIKE '%FROM (''\(day)'')%'") == "infermon")

            let add = try await fixture.run(
                ["silence", "add", "alertname=Deploy", "--duration", "1h", "--comment", "writer made"], config: writer)
            #expect(add.status == 0, "\(add)")
            let id = add.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let expire = try await fixture.run(["silence", "expire", id], config: writer)
            #expect(expire.status == 0 && expire.stdout.contains("expired \(id)"), "\(expire)")
            let labels = fixture.directory.file("labels.jsonl")
            try TestFiles.append(#"{"request_id":"w-1","name":"hallucinated","value":true}"# + "\n", to: labels)
            let imported = try await fixture.run(["labels", "import", labels], config: writer)
            #expect(imported.status == 0 && imported.stdout.contains("imported 1 label(s)"), "\(imported)")
            let save = try await fixture.run(
                ["baseline", "save", "--from", "now-1h", "--name", "writer-made"], config: writer)
            #expect(save.status == 0, "\(save)")
            #expect(try await fixture.psql("SELECT count(*) FROM truth_labels") == "1")
            #expect(try await fixture.psql("SELECT string_agg(name, ',') FROM drift_baselines") == "writer-made")
        }
    }

    @Test func missingOrOlderSchemaMustBeMigratedAndIsMigratedOnce() async throws {
        try await withServer { fixture in
            try await fixture.psql("CREATE DATABASE fresh")
            let reader = try await fixture.config(role: "reader", database: "fresh", passwordFile: nil)
            _ = try await fixture.createRole("reader")
            let writer = try await fixture.createRole("writer", database: "fresh")
            for (config, role) in [(reader, "reader"), (writer, "writer")] {
                let stats = try await fixture.run(["stats"], config: config)
                #expect(stats.status != 0, "\(stats)")
                #expect(
                    stats.stderr.contains("the database has no infermon schema yet: the schema must be migrated first")
                        && stats.stderr.contains("role \"\(role)\" may not (permission denied for schema public)"),
                    "\(stats.stderr)")
            }
            #expect(try await fixture.psql("SELECT to_regclass('schema_version') IS NULL", database: "fresh") == "t")

            // Four openers with the right to migrate, at once: each opens, the schema is made once.
            let owner = try await fixture.config(
                role: "infermon", database: "fresh", passwordFile: fixture.server.passwordFile)
            let results = try await withThrowingTaskGroup(of: (Int32, String).self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        let result = try await fixture.run(["stats"], config: owner)
                        return (result.status, result.stderr)
                    }
                }
                return try await group.reduce(into: [(Int32, String)]()) { $0.append($1) }
            }
            #expect(results.allSatisfy { $0.0 == 0 }, "\(results)")
            #expect(try await fixture.psql("SELECT count(*) FROM schema_version", database: "fresh") == "1")
            let current = Int(try await fixture.psql("SELECT version FROM schema_version", database: "fresh")) ?? 0
            #expect(current > 1)

            // One step behind the binary: the writer is told the versions; the owner migrates; the writer writes.
            try await fixture.psql(
                "DROP FUNCTION infermon_create_event_partition(bigint, text); UPDATE schema_version SET version = \(current - 1)",
                database: "fresh")
            try await fixture.grant(PostgresRoleFixture.writeGrants, to: "writer", database: "fresh")
            let file = try fixture.eventsFile("events.jsonl", count: 10, endingAt: SystemWallClock().now(), prefix: "f")
            let refused = try await fixture.run(["ingest", file], config: writer)
            #expect(refused.status != 0, "\(refused)")
            #expect(
                refused.stderr.contains(
                    "schema is at version \(current - 1) and this infermon needs version \(current): the schema must be migrated first"
                ), "\(refused.stderr)")
            #expect(try await fixture.run(["stats"], config: owner).status == 0)
            let ingest = try await fixture.run(["ingest", file], config: writer)
            #expect(ingest.status == 0, "\(ingest)")
            #expect(try await fixture.psql("SELECT count(*) FROM events", database: "fresh") == "10")
        }
    }

    private func withServer(_ body: (PostgresRoleFixture) async throws -> Void) async throws {
        guard PostgresProcess.binDirectory != nil else {
            Issue.record(Comment(rawValue: PostgresProcess.notInstalled))
            return
        }
        let server = try await PostgresProcess(settings: ["fsync": "off"])
        do {
            try await body(try await PostgresRoleFixture(server: server))
        } catch {
            Issue.record(error)
        }
        try await server.stop()
    }
}
