import CZstd

/// Prompt, response and context text, and events' extra attributes, as stored:
/// a zstd frame (level 3) in a BLOB when that saves at least an eighth, else
/// the plain TEXT. Readers tell the two apart by the column's type, and SQL
/// reads both through `infermon_text(column)` (registered on every connection).
/// Short texts stay plain: a frame's header and checksum-free block cost about
/// a dozen bytes, and most of them would not shrink.
///
/// A frame may be compressed with a dictionary trained on earlier texts of its
/// kind (`TextDictionaries`); its header names the dictionary's id, a row of
/// `text_dictionaries`, which readers load on first sight (`TextDecompressor`).
/// Frames without a dictionary id, and plain rows, are read as they always were.
enum TextCompression {
    static let minimumLength = 96
    static let level: Int32 = 3

    /// One compression context, reused for every text: it lives on the writer's
    /// queue with the writer that owns it.
    final class Compressor {
        private let context: OpaquePointer
        private var buffer: [UInt8] = []

        init() { context = ZSTD_createCCtx() }
        deinit { ZSTD_freeCCtx(context) }

        /// The frame of `text`, or nil when it is better stored as it is.
        func compress(_ text: String, dictionary: OpaquePointer? = nil) -> [UInt8]? {
            var text = text
            return text.withUTF8 { compress(UnsafeRawBufferPointer($0), dictionary: dictionary) }
        }

        /// The frame of `source` (compressed with `dictionary`, a `ZSTD_CDict`, when
        /// there is one), or nil when the bytes are better stored as they are.
        func compress(_ source: UnsafeRawBufferPointer, dictionary: OpaquePointer?) -> [UInt8]? {
            guard source.count >= TextCompression.minimumLength, let base = source.baseAddress else { return nil }
            let bound = ZSTD_compressBound(source.count)
            if buffer.count < bound { buffer = [UInt8](repeating: 0, count: bound) }
            let written = buffer.withUnsafeMutableBytes { output in
                if let dictionary {
                    ZSTD_compress_usingCDict(context, output.baseAddress, bound, base, source.count, dictionary)
                } else {
                    ZSTD_compressCCtx(context, output.baseAddress, bound, base, source.count, TextCompression.level)
                }
            }
            guard ZSTD_isError(written) == 0, written <= source.count - source.count / 8 else { return nil }
            return Array(buffer[0..<written])
        }

        /// What `source` takes stored: its frame's bytes, or its own when it stays plain.
        func storedSize(_ source: UnsafeRawBufferPointer, dictionary: OpaquePointer?) -> Int {
            compress(source, dictionary: dictionary)?.count ?? source.count
        }
    }

    /// Whether stored bytes begin with a zstd frame's magic number (0xFD2FB528, little-endian).
    static func isFrame(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 4 && bytes[0] == 0x28 && bytes[1] == 0xB5 && bytes[2] == 0x2F && bytes[3] == 0xFD
    }

    /// The dictionary id a frame's header names; 0 for none.
    static func dictionaryID(_ frame: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = frame.baseAddress else { return 0 }
        return ZSTD_getDictID_fromFrame(base, frame.count)
    }
}
