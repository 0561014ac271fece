/// Little helpers for the compact binary encodings of sketches and chunks.

@inline(__always)
public func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
    var remaining = value
    while remaining >= 0x80 {
        out.append(UInt8(truncatingIfNeeded: remaining) | 0x80)
        remaining >>= 7
    }
    out.append(UInt8(remaining))
}

@inline(__always)
public func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }

@inline(__always)
public func unzigzag(_ value: UInt64) -> Int64 { Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1) }

public func appendDouble(_ value: Double, to out: inout [UInt8]) {
    var bits = value.bitPattern
    for _ in 0..<8 {
        out.append(UInt8(truncatingIfNeeded: bits))
        bits >>= 8
    }
}

/// A cursor over bytes that throws instead of trapping on truncated input.
public struct ByteReader {
    public let bytes: [UInt8]
    public private(set) var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var isAtEnd: Bool { position >= bytes.count }

    public mutating func byte() throws -> UInt8 {
        guard position < bytes.count else { throw InfermonError.storage("truncated binary data") }
        defer { position += 1 }
        return bytes[position]
    }

    public mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            result |= UInt64(next & 0x7f) << shift
            if next < 0x80 { return result }
            shift += 7
            guard shift < 64 else { throw InfermonError.storage("varint overflow") }
        }
    }

    public mutating func double() throws -> Double {
        var bits: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 8) { bits |= UInt64(try byte()) << UInt64(shift) }
        return Double(bitPattern: bits)
    }
}
