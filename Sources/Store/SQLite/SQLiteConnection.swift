import CSQLite
import InfermonCore

/// A thin owner of one `sqlite3*`. Not thread-safe by design: the store confines
/// each connection to one queue or lock, which is cheaper than SQLite's own mutexes.
final class SQLiteConnection {
    let handle: OpaquePointer
    let path: String
    /// Reads stored text frames, with the dictionaries they name (see `TextDecompressor`).
    let texts: TextDecompressor
    private var statementCache: [String: Statement] = [:]

    enum Mode { case readWrite, readOnly }

    /// Process-wide SQLite settings, applied once before the first connection opens.
    private static let libraryConfigured: Bool = {
        _ = csqlite_disable_memory_statistics()
        return true
    }()

    init(path: String, mode: Mode) throws {
        _ = Self.libraryConfigured
        var db: OpaquePointer?
        let flags =
            (mode == .readWrite ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY)
            | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw InfermonError.storage("cannot open \(path): \(message)")
        }
        self.handle = db
        self.path = path
        self.texts = TextDecompressor(database: db)
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, 10_000)
        // Texts may be stored compressed (see TextCompression); SQL reads them through this.
        // The connection outlives its functions, so the decompressor is passed unretained.
        sqlite3_create_function_v2(
            db, "infermon_text", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, Unmanaged.passUnretained(texts).toOpaque(),
            storedTextFunction, nil, nil, nil)
    }

    deinit {
        statementCache.removeAll()
        sqlite3_close_v2(handle)
    }

    var lastErrorMessage: String { String(cString: sqlite3_errmsg(handle)) }

    func execute(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if code != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? lastErrorMessage
            sqlite3_free(errorMessage)
            throw InfermonError.storage("\(message) (in: \(sql.prefix(120)))")
        }
    }

    /// A prepared statement kept for the life of the connection: the hot paths
    /// never re-parse SQL.
    func cached(_ sql: String) throws -> Statement {
        if let statement = statementCache[sql] {
            statement.reset()
            return statement
        }
        let statement = try Statement(connection: self, sql: sql)
        statementCache[sql] = statement
        return statement
    }

    func prepare(_ sql: String) throws -> Statement { try Statement(connection: self, sql: sql) }

    /// Resets every cached statement. A statement stepped but not reset keeps its
    /// read transaction open, which pins an old snapshot for this connection and
    /// stops WAL checkpoints from ever recycling the log; so every public
    /// operation ends by calling this.
    func resetCachedStatements() {
        for statement in statementCache.values { sqlite3_reset(statement.pointer) }
    }

    var changes: Int { Int(sqlite3_changes(handle)) }
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            resetCachedStatements()
            try execute("COMMIT")
            return result
        } catch {
            resetCachedStatements()
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// A single integer answer, such as `PRAGMA user_version`.
    func scalarInt(_ sql: String) throws -> Int64 {
        let statement = try prepare(sql)
        guard try statement.step() else { return 0 }
        return statement.int64(0)
    }
}

/// One prepared statement, with bind and column accessors by 0-based index.
final class Statement {
    let pointer: OpaquePointer
    unowned let connection: SQLiteConnection
    /// Which parameters hold NULL now (index 0 unused). Bindings outlive a reset,
    /// so a parameter that stays NULL from row to row (most optional columns) is
    /// not bound again. Raw memory: an array property would pay an exclusivity
    /// and a uniqueness check on every bind.
    private let boundNull: UnsafeMutableBufferPointer<Bool>

    init(connection: SQLiteConnection, sql: String) throws {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(connection.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else {
            throw InfermonError.storage("\(connection.lastErrorMessage) (in: \(sql.prefix(160)))")
        }
        self.pointer = statement
        self.connection = connection
        boundNull = .allocate(capacity: Int(sqlite3_bind_parameter_count(statement)) + 1)
        boundNull.initialize(repeating: true)
    }

    deinit {
        sqlite3_finalize(pointer)
        boundNull.deallocate()
    }

    func reset() {
        sqlite3_reset(pointer)
        sqlite3_clear_bindings(pointer)
        boundNull.update(repeating: true)
    }

    @inline(__always)
    private func bindNull(_ index: Int32) {
        guard !boundNull[Int(index)] else { return }
        sqlite3_bind_null(pointer, index)
        boundNull[Int(index)] = true
    }

    /// Steps once; true while a row is available.
    @discardableResult
    func step() throws -> Bool {
        let code = sqlite3_step(pointer)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            throw InfermonError.storage(connection.lastErrorMessage)
        }
    }

    /// Runs a statement that returns no rows and readies it for reuse.
    func run() throws {
        defer { sqlite3_reset(pointer) }
        _ = try step()
    }

    // MARK: Binding (1-based, as SQLite counts)

    func bind(_ index: Int32, _ value: Int64?) {
        guard let value else { return bindNull(index) }
        sqlite3_bind_int64(pointer, index, value)
        boundNull[Int(index)] = false
    }

    func bind(_ index: Int32, _ value: Int?) { bind(index, value.map(Int64.init)) }

    func bind(_ index: Int32, _ value: Double?) {
        guard let value, value.isFinite else { return bindNull(index) }
        sqlite3_bind_double(pointer, index, value)
        boundNull[Int(index)] = false
    }

    func bind(_ index: Int32, _ value: String?) {
        guard var value else { return bindNull(index) }
        boundNull[Int(index)] = false
        _ = value.withUTF8 { buffer in
            // A zero-length buffer may have no base address; SQLite wants a pointer for "".
            if let base = buffer.baseAddress {
                sqlite3_bind_text(pointer, index, base, Int32(buffer.count), csqlite_transient())
            } else {
                sqlite3_bind_text(pointer, index, "", 0, csqlite_transient())
            }
        }
    }

    func bind(_ index: Int32, blob: [UInt8]?) {
        guard let blob else { return bindNull(index) }
        boundNull[Int(index)] = false
        _ = blob.withUnsafeBytes { buffer in
            sqlite3_bind_blob(
                pointer, index, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(buffer.count),
                csqlite_transient())
        }
    }

    func bind(_ index: Int32, _ value: Bool?) { bind(index, value.map { $0 ? Int64(1) : Int64(0) }) }

    // MARK: Columns (0-based)

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(pointer, column) == SQLITE_NULL }
    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(pointer, column) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(pointer, column) }
    func optionalDouble(_ column: Int32) -> Double? { isNull(column) ? nil : double(column) }
    func optionalInt(_ column: Int32) -> Int? { isNull(column) ? nil : Int(int64(column)) }

    func string(_ column: Int32) -> String {
        guard let text = sqlite3_column_text(pointer, column) else { return "" }
        let count = Int(sqlite3_column_bytes(pointer, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    func optionalString(_ column: Int32) -> String? { isNull(column) ? nil : string(column) }

    func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(pointer, column))
        guard count > 0, let base = sqlite3_column_blob(pointer, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Borrowed bytes, valid until the next step; avoids a copy for decoding.
    func withBlob<T>(_ column: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let count = Int(sqlite3_column_bytes(pointer, column))
        let base = sqlite3_column_blob(pointer, column)
        return try body(UnsafeRawBufferPointer(start: count > 0 ? base : nil, count: count))
    }

    func columnType(_ column: Int32) -> Int32 { sqlite3_column_type(pointer, column) }
}

/// `infermon_text(x)`: a stored text column as text, whether it was stored plain
/// (TEXT, passed through, as is NULL) or as a zstd frame (BLOB, decompressed,
/// with the dictionary it names). Any other blob comes back unchanged; a frame
/// whose dictionary the store lacks is an error, not bytes passed off as text.
private let storedTextFunction: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void =
    {
        context, _, arguments in
        guard let value = arguments?[0] else { return }
        guard sqlite3_value_type(value) == SQLITE_BLOB, let base = sqlite3_value_blob(value) else {
            return sqlite3_result_value(context, value)
        }
        let bytes = UnsafeRawBufferPointer(start: base, count: Int(sqlite3_value_bytes(value)))
        let texts = Unmanaged<TextDecompressor>.fromOpaque(sqlite3_user_data(context)).takeUnretainedValue()
        let decompressed: String?
        do {
            decompressed = try texts.decompress(bytes)
        } catch {
            return sqlite3_result_error(context, (error as? InfermonError)?.message ?? "\(error)", -1)
        }
        guard var text = decompressed else { return sqlite3_result_value(context, value) }
        text.withUTF8 { utf8 in
            if let base = utf8.baseAddress {
                base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                    sqlite3_result_text(context, $0, Int32(utf8.count), csqlite_transient())
                }
            } else {
                sqlite3_result_text(context, "", 0, csqlite_transient())
            }
        }
    }
