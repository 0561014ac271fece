import CSnappy
import InfermonCore

/// Snappy block compression (not the framed stream format), which remote write
/// requires for request bodies. The system's libsnappy does the work: it is the
/// reference implementation, so what it writes every receiver reads.
public enum Snappy {
    public static func compress(_ input: [UInt8]) -> [UInt8] {
        // An empty block is its length, zero, as a varint.
        guard !input.isEmpty else { return [0] }
        var length = snappy_max_compressed_length(input.count)
        var output = [UInt8](repeating: 0, count: length)
        let status = input.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { target in
                snappy_compress(
                    source.baseAddress!.assumingMemoryBound(to: CChar.self), source.count,
                    target.baseAddress!.assumingMemoryBound(to: CChar.self), &length)
            }
        }
        // snappy_compress fails only when the output buffer is too small, which
        // snappy_max_compressed_length rules out.
        precondition(status == SNAPPY_OK, "snappy_compress failed with a buffer of its own maximum size")
        output.removeSubrange(length...)
        return output
    }

    /// Decompresses a block; throws on input that is not valid snappy or would
    /// expand past `limit` bytes (a receiver's guard against a tiny hostile body).
    public static func decompress(_ input: [UInt8], limit: Int = 64 << 20) throws -> [UInt8] {
        guard !input.isEmpty else { throw InfermonError.invalidInput("empty snappy block") }
        var length = 0
        let sized = input.withUnsafeBytes { source in
            snappy_uncompressed_length(source.baseAddress!.assumingMemoryBound(to: CChar.self), source.count, &length)
        }
        guard sized == SNAPPY_OK else { throw InfermonError.invalidInput("not a snappy block") }
        guard length <= limit else {
            throw InfermonError.invalidInput("snappy block expands to \(length) bytes, over \(limit)")
        }
        if length == 0 { return [] }
        var output = [UInt8](repeating: 0, count: length)
        let status = input.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { target in
                snappy_uncompress(
                    source.baseAddress!.assumingMemoryBound(to: CChar.self), source.count,
                    target.baseAddress!.assumingMemoryBound(to: CChar.self), &length)
            }
        }
        guard status == SNAPPY_OK else { throw InfermonError.invalidInput("corrupt snappy block") }
        output.removeSubrange(length...)
        return output
    }
}
