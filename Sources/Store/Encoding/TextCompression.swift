import CZstd

/// Prompt, response and context text, and events' extra attributes, as stored:
/// a zstd frame (level 3) in a BLOB when that saves at least an eighth, else
/// the plain TEXT. Readers tell the two apart by the column's type, and SQL
/// reads both through `infermon_text(column)` (registered on every connection).
/// Short texts stay plain: a frame's header and checksum-free block cost about
/// a dozen bytes, and most of them would not shrink.
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
        func compress(_ text: String) -> [UInt8]? {
            var text = text
            return text.withUTF8 { source -> [UInt8]? in
                guard source.count >= TextCompression.minimumLength, let base = source.baseAddress else { return nil }
                let bound = ZSTD_compressBound(source.count)
                if buffer.count < bound { buffer = [UInt8](repeating: 0, count: bound) }
                let written = buffer.withUnsafeMutableBytes { output in
                    ZSTD_compressCCtx(context, output.baseAddress, bound, base, source.count, TextCompression.level)
                }
                guard ZSTD_isError(written) == 0, written <= source.count - source.count / 8 else { return nil }
                return Array(buffer[0..<written])
            }
        }
    }

    /// The text of a frame written by `Compressor`, or nil for bytes that are not one.
    static func decompress(_ frame: UnsafeRawBufferPointer) -> String? {
        guard let base = frame.baseAddress, frame.count >= 4 else { return nil }
        let size = ZSTD_getFrameContentSize(base, frame.count)
        // ZSTD_CONTENTSIZE_UNKNOWN and _ERROR are the two largest values; the compressor always records the size.
        guard size < UInt64.max - 1, size < 1 << 31 else { return nil }
        var failed = false
        let text = String(unsafeUninitializedCapacity: Int(size)) { output in
            let written = ZSTD_decompress(output.baseAddress, Int(size), base, frame.count)
            if ZSTD_isError(written) != 0 || written != Int(size) {
                failed = true
                return 0
            }
            return written
        }
        return failed ? nil : text
    }

    /// Whether stored bytes begin with a zstd frame's magic number (0xFD2FB528, little-endian).
    static func isFrame(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 4 && bytes[0] == 0x28 && bytes[1] == 0xB5 && bytes[2] == 0x2F && bytes[3] == 0xFD
    }
}
