import CSQLite
import InfermonCore

/// A value of a result cell, as SQLite typed it.
public enum SQLValue: Sendable, Hashable, CustomStringConvertible {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public var description: String {
        switch self {
        case .null: ""
        case .integer(let value): String(value)
        case .real(let value): "\(value)"
        case .text(let value): value
        case .blob(let bytes): "x'" + bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() + "'"
        }
    }
}

public struct SQLResult: Sendable {
    public var columns: [String]
    public var rows: [[SQLValue]]
    /// True when `rowLimit` cut the result short.
    public var truncated: Bool

    public init(columns: [String], rows: [[SQLValue]], truncated: Bool) {
        self.columns = columns
        self.rows = rows
        self.truncated = truncated
    }
}

/// Runs user SQL on a connection that cannot change anything: the file is opened
/// read-only, `query_only` is on, and an authorizer refuses every write, schema
/// change, ATTACH, and any pragma that sets a value. Work is bounded by a deadline.
public final class ReadOnlySQL: @unchecked Sendable {
    private let connection: SQLiteConnection

    public init(path: String) throws {
        connection = try SQLiteConnection(path: path, mode: .readOnly)
        try connection.execute("PRAGMA query_only = 1")
        sqlite3_set_authorizer(connection.handle, readOnlyAuthorizer, nil)
    }

    /// How many statements `sql` holds (comments and stray semicolons are none).
    /// A statement that does not compile counts as one: preparing it reports why.
    static func statementCount(_ sql: String, on connection: SQLiteConnection) -> Int {
        sql.withCString { start in
            var count = 0
            var next: UnsafePointer<CChar>? = start
            while let cursor = next, cursor.pointee != 0 {
                var statement: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                guard sqlite3_prepare_v2(connection.handle, cursor, -1, &statement, &tail) == SQLITE_OK else {
                    return count + 1
                }
                if let statement {
                    count += 1
                    sqlite3_finalize(statement)
                }
                guard let tail, tail != cursor else { break }
                next = tail
            }
            return count
        }
    }

    public func query(_ sql: String, rowLimit: Int = 10_000, timeoutMillis: Int64 = 10_000) throws -> SQLResult {
        let deadline = monotonicNanoseconds() + UInt64(max(0, timeoutMillis)) * 1_000_000
        let context = Unmanaged.passRetained(DeadlineBox(deadline)).toOpaque()
        defer {
            sqlite3_progress_handler(connection.handle, 0, nil, nil)
            Unmanaged<DeadlineBox>.fromOpaque(context).release()
        }
        sqlite3_progress_handler(connection.handle, 10_000, deadlineHandler, context)
        guard Self.statementCount(sql, on: connection) <= 1 else {
            // SQLite would run the first statement and ignore the rest: an
            // operator who typed `SELECT 1; DELETE …` must hear that it was not done.
            throw InfermonError.invalidArgument("one statement at a time: the text holds more than one")
        }
        let statement: Statement
        do {
            statement = try connection.prepare(sql)
        } catch let error as InfermonError {
            throw InfermonError.invalidArgument(error.message.replacingAuthorizerMessage)
        }
        let count = sqlite3_column_count(statement.pointer)
        let columns = (0..<count).map { String(cString: sqlite3_column_name(statement.pointer, $0)) }
        var rows: [[SQLValue]] = []
        var truncated = false
        do {
            while try statement.step() {
                if rows.count >= rowLimit {
                    truncated = true
                    break
                }
                rows.append(
                    try (0..<count).map { column in
                        switch statement.columnType(column) {
                        case SQLITE_INTEGER: .integer(statement.int64(column))
                        case SQLITE_FLOAT: .real(statement.double(column))
                        case SQLITE_TEXT: .text(statement.string(column))
                        // Long texts are stored as zstd frames; SQL shows them as the text they are.
                        case SQLITE_BLOB:
                            try statement.withBlob(column) { try connection.texts.decompress($0).map(SQLValue.text) }
                                ?? .blob(statement.blob(column))
                        default: .null
                        }
                    })
            }
        } catch let error as InfermonError {
            if error.message.contains("interrupted") {
                throw InfermonError.timeout("query exceeded \(timeoutMillis) ms")
            }
            throw InfermonError.invalidArgument(error.message)
        }
        return SQLResult(columns: columns, rows: rows, truncated: truncated)
    }
}

private final class DeadlineBox {
    let deadline: UInt64
    init(_ deadline: UInt64) { self.deadline = deadline }
}

private func deadlineHandler(_ context: UnsafeMutableRawPointer?) -> Int32 {
    guard let context else { return 0 }
    let box = Unmanaged<DeadlineBox>.fromOpaque(context).takeUnretainedValue()
    return monotonicNanoseconds() > box.deadline ? 1 : 0
}

/// Pragmas that only read, allowed with no argument.
private let readablePragmas: Set<String> = [
    "table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list", "user_version",
    "page_count", "page_size", "freelist_count", "schema_version", "database_list", "collation_list",
    "function_list", "compile_options",
]

private func readOnlyAuthorizer(
    _ context: UnsafeMutableRawPointer?, _ action: Int32, _ first: UnsafePointer<CChar>?,
    _ second: UnsafePointer<CChar>?, _ database: UnsafePointer<CChar>?, _ trigger: UnsafePointer<CChar>?
) -> Int32 {
    switch action {
    case SQLITE_SELECT, SQLITE_READ, SQLITE_FUNCTION, SQLITE_RECURSIVE:
        return SQLITE_OK
    case SQLITE_PRAGMA:
        guard let first else { return SQLITE_DENY }
        let name = String(cString: first).lowercased()
        // A pragma with an argument sets something (table_info(x) is the exception: its argument names a table).
        let takesTableArgument = [
            "table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list",
        ]
        if readablePragmas.contains(name), second == nil || takesTableArgument.contains(name) { return SQLITE_OK }
        return SQLITE_DENY
    default:
        return SQLITE_DENY
    }
}

extension String {
    /// SQLite says "not authorized"; say what infermon allows instead.
    fileprivate var replacingAuthorizerMessage: String {
        guard contains("not authorized") else { return self }
        return
            "only read-only SELECT statements are allowed (no writes, schema changes, ATTACH or state-changing pragmas): \(self)"
    }
}
