/// A quick, unkeyed 64-bit hash of bytes (eight at a time, folded by a 128-bit
/// multiply), for small caches in front of a real dictionary: the string
/// interner of the collectors and the recent-keys table of the store. Unkeyed
/// means collisions can be crafted, so it only ever picks a slot whose contents
/// are then compared; never use it as a dictionary's hash.
public enum FastHash {
    @inlinable
    public static func bytes(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash = UInt64(truncatingIfNeeded: bytes.count)
        guard let base = bytes.baseAddress else { return hash }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        while offset + 8 <= bytes.count {
            hash = mix(hash, raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count {
            tail |= UInt64(bytes[offset]) << shift
            shift += 8
            offset += 1
        }
        return mix(hash, tail)
    }

    @inlinable
    public static func mix(_ hash: UInt64, _ word: UInt64) -> UInt64 {
        let product = (hash ^ word).multipliedFullWidth(by: 0x9E37_79B9_7F4A_7C15)
        return product.high ^ product.low
    }
}
