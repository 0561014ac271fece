import InfermonCore
import InfermonTesting
import Logging
import Store
import Testing

@Suite("Read-only SQL")
struct ReadOnlySQLTests {
    static func storeWithData() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.file("s.db"), logger: Logger(label: "t"))
        try store.writeSynchronously(
            IngestBatch(events: [InferenceEvent(timestamp: 1_800_000_000_000, requestID: "a", model: "m")]))
        store.close()
        return directory
    }

    @Test func selectsWork() throws {
        let directory = try Self.storeWithData()
        let sql = try ReadOnlySQL(path: directory.file("s.db"))
        let result = try sql.query("SELECT e.request_id, k.model FROM events e JOIN event_keys k ON k.id = e.key_id")
        #expect(result.columns == ["request_id", "model"])
        #expect(result.rows == [[.text("a"), .text("m")]])
        #expect(try sql.query("PRAGMA table_info(events)").rows.count > 10)
    }

    @Test(arguments: [
        "DELETE FROM events", "UPDATE events SET model = 'x'", "INSERT INTO sources (name) VALUES ('x')",
        "DROP TABLE events", "CREATE TABLE t (x)", "ATTACH DATABASE '/tmp/x.db' AS x", "PRAGMA journal_mode = DELETE",
        "PRAGMA user_version = 7", "PRAGMA writable_schema = 1", "SELECT load_extension('x')",
    ])
    func writesAndStateChangesAreRefused(statement: String) throws {
        let directory = try Self.storeWithData()
        let sql = try ReadOnlySQL(path: directory.file("s.db"))
        #expect(throws: InfermonError.self) { try sql.query(statement) }
        #expect(try sql.query("SELECT count(*) FROM events").rows == [[.integer(1)]])
    }

    @Test func onlyOneStatementAtATime() throws {
        let directory = try Self.storeWithData()
        let sql = try ReadOnlySQL(path: directory.file("s.db"))
        for text in ["SELECT 1; DELETE FROM events", "SELECT 1; SELECT 2", "SELECT 1;\n/* x */ SELECT 2;"] {
            #expect(throws: InfermonError.self, "\(text)") { try sql.query(text) }
        }
        for text in ["SELECT 1;", "SELECT 1; -- done", "  SELECT 1 ;  ; ", "SELECT ';' || 'x'"] {
            #expect(try sql.query(text).rows.count == 1, "\(text)")
        }
        #expect(try sql.query("SELECT count(*) FROM events").rows == [[.integer(1)]])
    }

    @Test func rowLimitTruncates() throws {
        let directory = try Self.storeWithData()
        let result = try ReadOnlySQL(path: directory.file("s.db")).query(
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT 50) SELECT x FROM n", rowLimit: 10)
        #expect(result.rows.count == 10 && result.truncated)
    }

    @Test func runawayQueriesHitTheDeadline() throws {
        let directory = try Self.storeWithData()
        let sql = try ReadOnlySQL(path: directory.file("s.db"))
        let error = #expect(throws: InfermonError.self) {
            try sql.query(
                "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n",
                timeoutMillis: 100)
        }
        #expect(error?.isTimeout == true)
    }
}
