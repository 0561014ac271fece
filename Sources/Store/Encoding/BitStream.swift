/// Bit-level writer and reader for the XOR chunk encoding.
struct BitWriter {
    private(set) var bytes: [UInt8] = []
    /// Bits still free in the last byte (0 means a new byte is needed).
    private(set) var freeBits: Int = 0

    init() {}

    init(bytes: [UInt8], freeBits: Int) {
        self.bytes = bytes
        self.freeBits = freeBits
    }

    mutating func writeBit(_ bit: Bool) {
        if freeBits == 0 {
            bytes.append(0)
            freeBits = 8
        }
        freeBits -= 1
        if bit { bytes[bytes.count - 1] |= UInt8(1) << UInt8(freeBits) }
    }

    /// Writes the low `count` bits of `value`, most significant first.
    mutating func writeBits(_ value: UInt64, count: Int) {
        var remaining = count
        while remaining > 0 {
            if freeBits == 0 {
                bytes.append(0)
                freeBits = 8
            }
            let take = min(freeBits, remaining)
            let shifted = (value >> UInt64(remaining - take)) & ((UInt64(1) << UInt64(take)) - 1)
            bytes[bytes.count - 1] |= UInt8(shifted) << UInt8(freeBits - take)
            freeBits -= take
            remaining -= take
        }
    }
}

struct BitReader {
    private let bytes: UnsafeRawBufferPointer
    private var bitPosition = 0

    init(_ bytes: UnsafeRawBufferPointer, startingAtByte offset: Int = 0) {
        self.bytes = bytes
        self.bitPosition = offset * 8
    }

    var bytePosition: Int { (bitPosition + 7) / 8 }

    mutating func readBit() throws -> Bool {
        guard bitPosition < bytes.count * 8 else { throw ChunkError.truncated }
        let byte = bytes[bitPosition >> 3]
        let bit = (byte >> UInt8(7 - (bitPosition & 7))) & 1
        bitPosition += 1
        return bit == 1
    }

    mutating func readBits(_ count: Int) throws -> UInt64 {
        guard bitPosition + count <= bytes.count * 8 else { throw ChunkError.truncated }
        var value: UInt64 = 0
        var remaining = count
        while remaining > 0 {
            let byte = bytes[bitPosition >> 3]
            let available = 8 - (bitPosition & 7)
            let take = min(available, remaining)
            let bits = (UInt64(byte) >> UInt64(available - take)) & ((UInt64(1) << UInt64(take)) - 1)
            value = (value << UInt64(take)) | bits
            bitPosition += take
            remaining -= take
        }
        return value
    }
}

enum ChunkError: Error { case truncated }
