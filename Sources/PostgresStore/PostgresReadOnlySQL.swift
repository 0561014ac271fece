import Foundation
public import InfermonCore
public import Logging
import NIOCore
import PostgresNIO
public import Store

/// `infermon sql` on PostgreSQL: one statement of the operator's in a
/// transaction that cannot change anything.
///
/// The connection is its own (no schema migration, so a role that may only
/// read works), with `default_transaction_read_only` on for the session; the
/// statement runs inside `BEGIN READ ONLY` with `SET LOCAL statement_timeout`,
/// and the transaction is rolled back whatever it did. PostgreSQL refuses in
/// a read-only transaction every INSERT, UPDATE, DELETE, MERGE, CREATE, ALTER,
/// DROP, TRUNCATE, GRANT, nextval and COPY FROM; only statements that begin
/// as queries are sent at all (no COPY TO a file or program, no DO block).
/// Statements go through the extended query protocol, which takes exactly one
/// statement, so `SELECT 1; DELETE …` is refused as a whole. Functions that act outside
/// the transaction (`pg_terminate_backend`, advisory locks, `pg_cancel_backend`)
/// are limited by the role's privileges only: a role granted `pg_read_all_data`
/// and nothing else is the strict guarantee.
public enum PostgresReadOnlySQL {
    public static func query(
        settings: PostgresSettings, sql: String, rowLimit: Int = 10_000, timeoutMillis: Int64 = 10_000, logger: Logger
    ) async throws -> SQLResult {
        try checkKind(sql)
        let connector = try PostgresConnector(settings: settings, logger: logger)
        let connection: PostgresConnection
        do {
            connection = try await connector.connect()
        } catch {
            throw PostgresErrorText.describe(error, url: settings.redactedURL)
        }
        do {
            let result = try await run(
                sql, on: connection, rowLimit: rowLimit, timeoutMillis: timeoutMillis, logger: logger)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw PostgresErrorText.describe(error, url: settings.redactedURL)
        }
    }

    /// Statements a query can begin with. A READ ONLY transaction still lets
    /// `COPY … TO` a server file or `PROGRAM` and a `DO` block through (for a
    /// role privileged enough), so only queries are sent at all.
    static let queryKeywords: Set<String> = ["select", "with", "values", "table", "explain", "show"]

    /// Refuses a statement that does not begin as a query (after comments and opening parentheses).
    static func checkKind(_ sql: String) throws {
        var rest = Substring(sql)
        while true {
            rest = rest.drop { $0.isWhitespace || $0 == "(" }
            if rest.hasPrefix("--") {
                rest = rest.drop { $0 != "\n" }
            } else if rest.hasPrefix("/*") {
                // PostgreSQL's block comments nest.
                var depth = 0
                var index = rest.startIndex
                repeat {
                    let next = rest[index...]
                    if next.hasPrefix("/*") {
                        depth += 1
                        index = rest.index(index, offsetBy: 2)
                    } else if next.hasPrefix("*/") {
                        depth -= 1
                        index = rest.index(index, offsetBy: 2)
                    } else {
                        index = rest.index(after: index)
                    }
                } while depth > 0 && index < rest.endIndex
                rest = rest[index...]
            } else {
                break
            }
        }
        let keyword = rest.prefix { $0.isLetter }.lowercased()
        guard queryKeywords.contains(keyword) else {
            throw InfermonError.invalidArgument(
                "only read-only queries are allowed (SELECT, WITH, VALUES, TABLE, EXPLAIN or SHOW), not "
                    + (keyword.isEmpty ? "this text" : keyword.uppercased()))
        }
    }

    private static func run(
        _ sql: String, on connection: PostgresConnection, rowLimit: Int, timeoutMillis: Int64, logger: Logger
    ) async throws -> SQLResult {
        try await connection.query("SET default_transaction_read_only = on", logger: logger)
        try await connection.query("BEGIN READ ONLY", logger: logger)
        // 0 would mean no limit to PostgreSQL.
        let timeout = max(1, timeoutMillis)
        try await connection.query(
            PostgresQuery(unsafeSQL: "SET LOCAL statement_timeout = \(timeout)"), logger: logger)
        var columns: [String] = []
        var rows: [[SQLValue]] = []
        var truncated = false
        do {
            let sequence = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            for try await row in sequence {
                if columns.isEmpty { columns = row.map(\.columnName) }
                if rows.count >= rowLimit {
                    truncated = true
                    break
                }
                rows.append(row.map(value))
            }
            if rows.isEmpty && !truncated {
                columns = await emptyResultColumns(sql, on: connection, logger: logger)
            }
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw explain(error, timeoutMillis: timeout)
        }
        _ = try? await connection.query("ROLLBACK", logger: logger)
        return SQLResult(columns: columns, rows: rows, truncated: truncated)
    }

    /// The column names of a query that returned no row (PostgresNIO shows
    /// them only on rows): the query joined to a single row, whose cells are
    /// then all NULL. Statements that are not queries (SHOW, EXPLAIN) have none.
    private static func emptyResultColumns(_ sql: String, on connection: PostgresConnection, logger: Logger) async
        -> [String]
    {
        var body = Substring(sql)
        while let last = body.last, last == ";" || last.isWhitespace { body = body.dropLast() }
        let wrapped = "SELECT infermon_q.* FROM (SELECT 1) AS infermon_one LEFT JOIN (\(body)\n) AS infermon_q ON true"
        do {
            _ = try await connection.query("SAVEPOINT infermon_columns", logger: logger)
            var columns: [String] = []
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: wrapped), logger: logger) {
                columns = row.map(\.columnName)
            }
            _ = try await connection.query("RELEASE SAVEPOINT infermon_columns", logger: logger)
            return columns
        } catch {
            _ = try? await connection.query("ROLLBACK TO SAVEPOINT infermon_columns", logger: logger)
            return []
        }
    }

    /// A cell as `infermon sql` shows it: integers, reals, text and bytes as
    /// SQLite's side does; booleans, numerics, times, arrays and JSON as text.
    static func value(_ cell: PostgresCell) -> SQLValue {
        guard cell.bytes != nil else { return .null }
        func decoded<T: PostgresDecodable>(_ type: T.Type) -> T? { try? cell.decode(T.self, context: .default) }
        switch cell.dataType {
        case .int2, .int4, .int8:
            return decoded(Int64.self).map(SQLValue.integer) ?? .null
        case .oid:
            guard let bytes = cell.bytes, bytes.readableBytes == 4,
                let oid = bytes.getInteger(at: bytes.readerIndex, as: UInt32.self)
            else { return .null }
            return .integer(Int64(oid))
        case .float4, .float8:
            return decoded(Double.self).map(SQLValue.real) ?? .null
        case .numeric:
            guard let text = decoded(Decimal.self)?.description else { return .null }
            if let integer = Int64(text) { return .integer(integer) }
            return Double(text).map(SQLValue.real) ?? .text(text)
        case .bool:
            return decoded(Bool.self).map { .text($0 ? "true" : "false") } ?? .null
        case .bytea:
            return .blob(decoded([UInt8].self) ?? [])
        case .timestamp, .timestamptz, .date:
            return decoded(Date.self).map {
                .text(TimeParsing.formatRFC3339(Int64(($0.timeIntervalSince1970 * 1000).rounded())))
            }
                ?? .null
        case .int4Array:
            return decoded([Int32].self).map { .text("{" + $0.map(String.init).joined(separator: ",") + "}") } ?? .null
        case .int8Array:
            return decoded([Int64].self).map { .text("{" + $0.map(String.init).joined(separator: ",") + "}") } ?? .null
        case .float8Array:
            return decoded([Double].self).map { .text("{" + $0.map { "\($0)" }.joined(separator: ",") + "}") } ?? .null
        case .textArray, .varcharArray:
            return decoded([String].self).map { .text("{" + $0.joined(separator: ",") + "}") } ?? .null
        default:
            if let text = decoded(String.self) { return .text(text) }
            return .text("(\(cell.dataType.knownSQLName ?? "type \(cell.dataType.rawValue)"): cast to text to see it)")
        }
    }

    /// PostgreSQL's refusal, said in infermon's words.
    static func explain(_ error: any Error, timeoutMillis: Int64) -> any Error {
        guard let error = error as? PSQLError else { return error }
        let state = error.serverInfo?[.sqlState] ?? ""
        let message = error.serverInfo?[.message] ?? "\(error.code)"
        switch state {
        case "25006":
            // read_only_sql_transaction
            return InfermonError.invalidArgument(
                "only read-only statements are allowed (infermon sql runs in a READ ONLY transaction): \(message)")
        case "57014":
            return InfermonError.timeout("query exceeded \(timeoutMillis) ms (statement_timeout)")
        case "42601" where message.contains("multiple commands"):
            return InfermonError.invalidArgument("one statement at a time: the text holds more than one")
        default:
            var detail = message
            if let hint = error.serverInfo?[.hint] { detail += " (hint: \(hint))" }
            if let position = error.serverInfo?[.position] { detail += " at character \(position)" }
            return InfermonError.invalidArgument("PostgreSQL: \(detail)")
        }
    }
}
