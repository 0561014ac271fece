import CSQLite
import CZstd
import InfermonCore

/// Reads stored text frames on one connection: a reused decompression context,
/// and the dictionaries frames name, loaded from `text_dictionaries` the first
/// time one is seen and kept (a dictionary's row never changes and is never
/// deleted, so a cached one cannot go stale). A reader opened before the
/// writer trained a dictionary finds it on its first miss.
///
/// Confined, like its connection, to one queue or lock at a time.
final class TextDecompressor {
    private let database: OpaquePointer
    private let context: OpaquePointer
    private var dictionaries: [UInt32: OpaquePointer] = [:]

    init(database: OpaquePointer) {
        self.database = database
        context = ZSTD_createDCtx()
    }

    deinit {
        for dictionary in dictionaries.values { ZSTD_freeDDict(dictionary) }
        ZSTD_freeDCtx(context)
    }

    /// The text of a frame written by `TextCompression`, or nil for bytes that are
    /// not one (any other blob, or a damaged frame). Throws when the frame names a
    /// dictionary this store does not hold: its text cannot be told, and guessing
    /// would be garbage.
    func decompress(_ frame: UnsafeRawBufferPointer) throws -> String? {
        guard TextCompression.isFrame(frame), let base = frame.baseAddress else { return nil }
        let size = ZSTD_getFrameContentSize(base, frame.count)
        // ZSTD_CONTENTSIZE_UNKNOWN and _ERROR are the two largest values; the compressor always records the size.
        guard size < UInt64.max - 1, size < 1 << 31 else { return nil }
        let id = TextCompression.dictionaryID(frame)
        let dictionary = id == 0 ? nil : try self.dictionary(id)
        var failed = false
        let text = String(unsafeUninitializedCapacity: Int(size)) { output in
            let written =
                if let dictionary {
                    ZSTD_decompress_usingDDict(context, output.baseAddress, Int(size), base, frame.count, dictionary)
                } else {
                    ZSTD_decompressDCtx(context, output.baseAddress, Int(size), base, frame.count)
                }
            if ZSTD_isError(written) != 0 || written != Int(size) {
                failed = true
                return 0
            }
            return written
        }
        return failed ? nil : text
    }

    private func dictionary(_ id: UInt32) throws -> OpaquePointer {
        if let dictionary = dictionaries[id] { return dictionary }
        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        guard
            sqlite3_prepare_v2(database, "SELECT bytes FROM text_dictionaries WHERE dict_id = ?", -1, &statement, nil)
                == SQLITE_OK, let statement
        else { throw Self.missing(id, String(cString: sqlite3_errmsg(database))) }
        sqlite3_bind_int64(statement, 1, Int64(id))
        switch sqlite3_step(statement) {
        case SQLITE_ROW: break
        case SQLITE_DONE: throw Self.missing(id, "no such row")
        default: throw InfermonError.storage(String(cString: sqlite3_errmsg(database)))
        }
        let count = Int(sqlite3_column_bytes(statement, 0))
        guard let bytes = sqlite3_column_blob(statement, 0), let dictionary = ZSTD_createDDict(bytes, count) else {
            throw Self.missing(id, "its row holds no dictionary")
        }
        guard ZSTD_getDictID_fromDDict(dictionary) == id else {
            ZSTD_freeDDict(dictionary)
            throw Self.missing(id, "its row holds dictionary \(ZSTD_getDictID_fromDict(bytes, count))")
        }
        dictionaries[id] = dictionary
        return dictionary
    }

    private static func missing(_ id: UInt32, _ reason: String) -> InfermonError {
        InfermonError.storage(
            "a stored text is compressed with text dictionary \(id), which this store's text_dictionaries does not hold (\(reason)); the file is damaged or the table was dropped"
        )
    }
}
