import Foundation
import InfermonCore
import InfermonTesting
import Testing

/// A private PostgreSQL with roles of different rights, and the built binary
/// run as each: the server's own role (`infermon`, which owns the schema) and
/// roles made with psql, each with a configuration of its own.
struct PostgresRoleFixture {
    let server: PostgresProcess
    let directory: TemporaryDirectory
    /// The owner's configuration for the `infermon` database.
    let owner: String

    init(server: PostgresProcess) async throws {
        self.server = server
        directory = try TemporaryDirectory()
        owner = directory.file("owner.yaml")
        try await Self.writeConfig(
            owner, url: server.url, passwordFile: server.passwordFile, directory: directory)
    }

    /// The GRANTs a role that may only read needs on infermon's tables.
    static let readGrants = "GRANT SELECT ON ALL TABLES IN SCHEMA public TO %role"
    /// The GRANTs a role that writes rows but may not change the schema needs.
    static let writeGrants =
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %role; "
        + "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO %role"

    /// Creates a login role (no grants) and returns its configuration for `database`.
    func createRole(_ name: String, database: String = "infermon") async throws -> String {
        let password = "\(name)-\(UUID().uuidString.prefix(8))"
        _ = try await psql("CREATE ROLE \(name) LOGIN PASSWORD '\(password)'")
        let passwordFile = directory.file("\(name)-password")
        try TestFiles.append(password + "\n", to: passwordFile)
        return try await config(role: name, database: database, passwordFile: passwordFile)
    }

    /// The configuration of an existing role for another database.
    func config(role: String, database: String, passwordFile: String? = nil) async throws -> String {
        let file = directory.file("\(role)-\(database).yaml")
        if !FileManager.default.fileExists(atPath: file) {
            try await Self.writeConfig(
                file, url: "postgres://\(role)@127.0.0.1:\(server.port)/\(database)",
                passwordFile: passwordFile ?? directory.file("\(role)-password"), directory: directory)
        }
        return file
    }

    /// `grants` (`%role` for the role's name) on the tables that exist now in `database`.
    func grant(_ grants: String, to role: String, database: String = "infermon") async throws {
        _ = try await psql(grants.replacingOccurrences(of: "%role", with: role), database: database)
    }

    /// Runs SQL as the server's own role; its unaligned output, or a recorded issue.
    @discardableResult
    func psql(_ sql: String, database: String = "infermon") async throws -> String {
        guard let bin = PostgresProcess.binDirectory else { return "" }
        var environment = ChildProcess.currentEnvironment
        environment["PGPASSWORD"] = server.password
        let process = try ChildProcess(
            executable: "\(bin)/psql",
            arguments: [
                "-h", "127.0.0.1", "-p", "\(server.port)", "-U", server.user, "-d", database, "-v",
                "ON_ERROR_STOP=1", "-At", "-c", sql,
            ], environment: environment, outputPrefix: directory.file("psql-\(UUID().uuidString.prefix(8))"))
        let status = try await process.wait()
        #expect(status == 0, "\(sql): \(process.standardError())")
        return process.standardOutput().trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs the built binary with `config`.
    func run(_ arguments: [String], config: String) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await runCommand(
            ChildProcess.infermonBinary(), arguments + ["--config", config], directory: directory.path,
            name: "\(arguments[0])-\(UUID().uuidString.prefix(8))")
    }

    /// A JSON-lines file of `count` events a second apart, ending `endingAt`, request ids prefixed.
    func eventsFile(_ name: String, count: Int, endingAt end: Timestamp, prefix: String) throws -> String {
        var lines: [String] = []
        for index in 0..<count {
            let model = index % 3 == 0 ? "model-a" : "model-b"
            lines.append(
                #"{"timestamp":\#(end - Int64(index) * 1000),"request_id":"\#(prefix)-\#(index)","model":"\#(model)","status":"ok","latency_ms":\#(100 + index % 50),"prompt_tokens":100,"completion_tokens":20}"#
            )
        }
        let file = directory.file(name)
        try TestFiles.append(lines.joined(separator: "\n") + "\n", to: file)
        return file
    }

    /// A configuration on the server; a port nothing listens on, so `alerts` finds no daemon.
    private static func writeConfig(_ file: String, url: String, passwordFile: String, directory: TemporaryDirectory)
        async throws
    {
        let port = try await RecordingReceiver.reservablePort()
        try TestFiles.append(
            """
            storage:
              backend: postgres
              postgres:
                url: \(url)
                password_file: \(passwordFile)
                host_name: roles-test
            server:
              listen: 127.0.0.1:\(port)
            """, to: file)
    }
}
