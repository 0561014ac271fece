/// How a sketch is stored. Every rollup interval of every label set keeps five
/// of them, and with realistic cardinality most intervals of a label set hold
/// one request or a few equal values (a token count, a cached reply's latency),
/// so the fixed part of the format, not the bins, decides the size on disk.
///
/// The first byte says which form follows:
/// - `1`: the first format, still read: accuracy, count, zero count, sum, min,
///   max, then the positive and negative bins.
/// - `0x10 | flags`: `flags & 1` means the accuracy follows as a double
///   (otherwise it is `defaultRelativeAccuracy`); `flags & 2` is the uniform
///   form, every value equal: that value and the count, from which the bins,
///   the sum, min and max are rebuilt exactly (10 bytes for one value against
///   41 in the first format); without it, the general form of the first format
///   without its accuracy.
///
/// A sketch reads back equal (`==`) to the one written, in either form.
extension QuantileSketch {
    private static let legacyFormat: UInt8 = 1
    private static let format: UInt8 = 0x10
    private static let explicitAccuracy: UInt8 = 1
    private static let uniform: UInt8 = 2

    /// Compact bytes in the newest format.
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        let ownAccuracy = relativeAccuracy != Self.defaultRelativeAccuracy
        // Uniform only when rebuilding from the value gives the very same sum:
        // a sum accumulated value by value can differ from value × count in its last bit.
        let isUniform = count > 0 && min == max && sum == min * Double(count)
        out.reserveCapacity(isUniform ? 18 : 48 + (positive.storedCount + negative.storedCount) * 2)
        out.append(Self.format | (ownAccuracy ? Self.explicitAccuracy : 0) | (isUniform ? Self.uniform : 0))
        if ownAccuracy { appendDouble(relativeAccuracy, to: &out) }
        if isUniform {
            appendDouble(min, to: &out)
            appendVarint(count, to: &out)
            return out
        }
        appendGeneral(to: &out)
        return out
    }

    /// The first format (version byte 1), for tests that read what older stores hold.
    package func serializedInFirstFormat() -> [UInt8] {
        var out: [UInt8] = [Self.legacyFormat]
        appendDouble(relativeAccuracy, to: &out)
        appendGeneral(to: &out)
        return out
    }

    private func appendGeneral(to out: inout [UInt8]) {
        appendVarint(count, to: &out)
        appendVarint(zeroCount, to: &out)
        appendDouble(sum, to: &out)
        appendDouble(min, to: &out)
        appendDouble(max, to: &out)
        positive.serialize(to: &out)
        negative.serialize(to: &out)
    }

    public init(serialized bytes: some Collection<UInt8>) throws {
        var reader = ByteReader(Array(bytes))
        let tag = try reader.byte()
        if tag == Self.legacyFormat {
            self.init(relativeAccuracy: try Self.accuracy(try reader.double()))
            try readGeneral(&reader)
            return
        }
        guard tag & 0xF0 == Self.format, tag & 0x0C == 0 else {
            throw InfermonError.storage("unknown sketch format")
        }
        let accuracy = tag & Self.explicitAccuracy != 0 ? try reader.double() : Self.defaultRelativeAccuracy
        self.init(relativeAccuracy: try Self.accuracy(accuracy))
        guard tag & Self.uniform != 0 else {
            try readGeneral(&reader)
            return
        }
        let value = try reader.double()
        let count = try reader.varint()
        guard value.isFinite, count > 0 else { throw InfermonError.storage("corrupt sketch") }
        add(value, count: count)
    }

    private mutating func readGeneral(_ reader: inout ByteReader) throws {
        count = try reader.varint()
        zeroCount = try reader.varint()
        sum = try reader.double()
        min = try reader.double()
        max = try reader.double()
        positive = try DenseBins(reading: &reader)
        negative = try DenseBins(reading: &reader)
    }

    /// An accuracy the initialiser accepts (it traps on any other).
    private static func accuracy(_ value: Double) throws -> Double {
        guard value > 0, value < 1 else { throw InfermonError.storage("corrupt sketch") }
        return value
    }
}
