import InfermonCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Hands out one shared `String` for label values that repeat line after line.
///
/// Model names, routes and tenants take a few distinct values across millions of
/// lines. Up to 15 bytes a Swift string lives inline and costs nothing to make;
/// a longer one (`meta-llama/Llama-3.1-8B-Instruct`, `/v1/chat/completions`) is a
/// heap allocation per line, freed again when its batch is stored. Here it is
/// made once and shared, which also lets the store compare event keys by
/// identity. A small direct-mapped table: a miss just makes the string and takes
/// the slot, so distinct values (request ids) cost one hash and no growth.
public struct StringInterner: Sendable {
    private static let slots = 256
    /// Values longer than this are rarely repeated labels; they are made directly.
    static let maxLength = 128
    private var hashes = [UInt64](repeating: 0, count: slots)
    private var strings = [String](repeating: "", count: slots)

    public init() {}

    mutating func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard bytes.count > 15, bytes.count <= Self.maxLength, let base = bytes.baseAddress else {
            return String(decoding: bytes, as: UTF8.self)
        }
        let hash = FastHash.bytes(bytes)
        let slot = Int(truncatingIfNeeded: hash >> 56) & (Self.slots - 1)
        if hashes[slot] == hash {
            let cached = strings[slot]
            let same = cached.utf8.withContiguousStorageIfAvailable { stored in
                stored.count == bytes.count && memcmp(stored.baseAddress!, base, bytes.count) == 0
            }
            if same == true { return cached }
        }
        let made = String(decoding: bytes, as: UTF8.self)
        hashes[slot] = hash
        strings[slot] = made
        return made
    }
}
