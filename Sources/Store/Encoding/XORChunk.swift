import InfermonCore

/// A run of samples of one series compressed as in Facebook's Gorilla paper and
/// Prometheus's XOR chunks: timestamps as delta-of-delta with variable-width
/// buckets, values as the XOR with the previous value, storing only the
/// meaningful bits. A regular series costs one to two bytes per sample.
struct XORChunkEncoder {
    private var writer = BitWriter()
    private(set) var count = 0
    private(set) var firstTimestamp: Timestamp = 0
    private(set) var lastTimestamp: Timestamp = 0
    private var lastDelta: Int64 = 0
    private var lastValueBits: UInt64 = 0
    private var leadingZeros = 0xff
    private var trailingZeros = 0

    init() {}

    var bytes: [UInt8] { writer.bytes }

    mutating func append(_ timestamp: Timestamp, _ value: Double) {
        let bits = value.bitPattern
        switch count {
        case 0:
            writer.writeBits(zigzag(timestamp), count: 64)
            writer.writeBits(bits, count: 64)
            firstTimestamp = timestamp
        case 1:
            let delta = timestamp - lastTimestamp
            writer.writeBits(zigzag(delta), count: 64)
            writeValue(bits)
            lastDelta = delta
        default:
            let delta = timestamp - lastTimestamp
            let deltaOfDelta = delta - lastDelta
            switch deltaOfDelta {
            case 0:
                writer.writeBit(false)
            case -8192...8191:
                writer.writeBits(0b10, count: 2)
                writer.writeBits(UInt64(bitPattern: deltaOfDelta) & 0x3fff, count: 14)
            case -65536...65535:
                writer.writeBits(0b110, count: 3)
                writer.writeBits(UInt64(bitPattern: deltaOfDelta) & 0x1ffff, count: 17)
            case -524_288...524_287:
                writer.writeBits(0b1110, count: 4)
                writer.writeBits(UInt64(bitPattern: deltaOfDelta) & 0xfffff, count: 20)
            default:
                writer.writeBits(0b1111, count: 4)
                writer.writeBits(UInt64(bitPattern: deltaOfDelta), count: 64)
            }
            writeValue(bits)
            lastDelta = delta
        }
        lastTimestamp = timestamp
        lastValueBits = bits
        count += 1
    }

    private mutating func writeValue(_ bits: UInt64) {
        let xor = bits ^ lastValueBits
        if xor == 0 {
            writer.writeBit(false)
            return
        }
        writer.writeBit(true)
        var leading = xor.leadingZeroBitCount
        let trailing = xor.trailingZeroBitCount
        if leading >= 32 { leading = 31 }
        if leadingZeros != 0xff, leading >= leadingZeros, trailing >= trailingZeros {
            writer.writeBit(false)
            writer.writeBits(xor >> UInt64(trailingZeros), count: 64 - leadingZeros - trailingZeros)
        } else {
            leadingZeros = leading
            trailingZeros = trailing
            writer.writeBit(true)
            writer.writeBits(UInt64(leading), count: 5)
            let significant = 64 - leading - trailing
            // 64 significant bits are stored as 0, which no real count can be.
            writer.writeBits(UInt64(significant & 63), count: 6)
            writer.writeBits(xor >> UInt64(trailing), count: significant)
        }
    }
}

/// Decodes `count` samples of a chunk.
func decodeXORChunk(_ bytes: UnsafeRawBufferPointer, count: Int, into samples: inout [Sample]) throws {
    guard count > 0 else { return }
    var reader = BitReader(bytes)
    var timestamp = unzigzag(try reader.readBits(64))
    var valueBits = try reader.readBits(64)
    samples.append(Sample(timestamp, Double(bitPattern: valueBits)))
    var delta: Int64 = 0
    var leading = 0
    var trailing = 0

    func readValue() throws {
        guard try reader.readBit() else { return }
        if try reader.readBit() {
            leading = Int(try reader.readBits(5))
            var significant = Int(try reader.readBits(6))
            if significant == 0 { significant = 64 }
            trailing = 64 - leading - significant
        }
        let significant = 64 - leading - trailing
        let xor = try reader.readBits(significant) << UInt64(trailing)
        valueBits ^= xor
    }

    for index in 1..<count {
        if index == 1 {
            delta = unzigzag(try reader.readBits(64))
        } else {
            var deltaOfDelta: Int64
            if !(try reader.readBit()) {
                deltaOfDelta = 0
            } else if !(try reader.readBit()) {
                deltaOfDelta = signExtend(try reader.readBits(14), bits: 14)
            } else if !(try reader.readBit()) {
                deltaOfDelta = signExtend(try reader.readBits(17), bits: 17)
            } else if !(try reader.readBit()) {
                deltaOfDelta = signExtend(try reader.readBits(20), bits: 20)
            } else {
                deltaOfDelta = Int64(bitPattern: try reader.readBits(64))
            }
            delta += deltaOfDelta
        }
        timestamp += delta
        try readValue()
        samples.append(Sample(timestamp, Double(bitPattern: valueBits)))
    }
}

/// Interprets the low `bits` bits as a two's-complement number.
@inline(__always)
private func signExtend(_ value: UInt64, bits: Int) -> Int64 {
    let shift = UInt64(64 - bits)
    return Int64(bitPattern: value << shift) >> Int64(shift)
}
