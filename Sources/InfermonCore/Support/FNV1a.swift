/// 64-bit FNV-1a: a small hash that is the same in every process and version
/// (unlike `hashValue`), for what must be stable: alert fingerprints, file
/// fingerprints, the sampling decision, the drift tests' resampling seeds.
/// Unkeyed, so never a dictionary's hash for outside input.
public struct FNV1a: Sendable {
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    public static let prime: UInt64 = 0x100_0000_01b3

    public var value: UInt64 = offsetBasis

    public init() {}

    @inlinable
    public mutating func combine(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* Self.prime
    }

    @inlinable
    public mutating func combine(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { combine(byte) }
    }

    /// The hash of `bytes` (a string's `utf8`, say).
    @inlinable
    public static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hasher = FNV1a()
        hasher.combine(bytes)
        return hasher.value
    }
}
