public import InfermonCore

/// Reads a remote write 1.0 `WriteRequest` (see `WriteRequestEncoder`), skipping
/// fields it does not know (exemplars, histograms, metadata) as protobuf readers
/// must. For tests and the benchmark's receiver: it checks what went on the wire.
public enum WriteRequestDecoder {
    public static func decode(_ bytes: [UInt8]) throws -> [Series] {
        var reader = ByteReader(bytes)
        var result: [Series] = []
        while !reader.isAtEnd {
            let (field, wireType) = try tag(&reader)
            if field == 1, wireType == 2 {
                result.append(try timeSeries(try lengthDelimited(&reader)))
            } else {
                try skip(wireType, &reader)
            }
        }
        return result
    }

    private static func timeSeries(_ bytes: [UInt8]) throws -> Series {
        var reader = ByteReader(bytes)
        var labels: [Label] = []
        var samples: [Sample] = []
        while !reader.isAtEnd {
            let (field, wireType) = try tag(&reader)
            switch (field, wireType) {
            case (1, 2): labels.append(try label(try lengthDelimited(&reader)))
            case (2, 2): samples.append(try sample(try lengthDelimited(&reader)))
            default: try skip(wireType, &reader)
            }
        }
        for (previous, next) in zip(labels, labels.dropFirst()) where !(previous.name < next.name) {
            throw InfermonError.invalidInput("labels not sorted by name: \(previous.name), \(next.name)")
        }
        return Series(labels: Labels(labels), samples: samples)
    }

    private static func label(_ bytes: [UInt8]) throws -> Label {
        var reader = ByteReader(bytes)
        var name = ""
        var value = ""
        while !reader.isAtEnd {
            let (field, wireType) = try tag(&reader)
            switch (field, wireType) {
            case (1, 2): name = String(decoding: try lengthDelimited(&reader), as: UTF8.self)
            case (2, 2): value = String(decoding: try lengthDelimited(&reader), as: UTF8.self)
            default: try skip(wireType, &reader)
            }
        }
        return Label(name, value)
    }

    private static func sample(_ bytes: [UInt8]) throws -> Sample {
        var reader = ByteReader(bytes)
        var sample = Sample(0, 0)
        while !reader.isAtEnd {
            let (field, wireType) = try tag(&reader)
            switch (field, wireType) {
            case (1, 1): sample.value = try reader.double()
            case (2, 0): sample.timestamp = Int64(bitPattern: try reader.varint())
            default: try skip(wireType, &reader)
            }
        }
        return sample
    }

    private static func tag(_ reader: inout ByteReader) throws -> (UInt64, UInt64) {
        let key = try reader.varint()
        return (key >> 3, key & 7)
    }

    private static func lengthDelimited(_ reader: inout ByteReader) throws -> [UInt8] {
        let length = Int(clamping: try reader.varint())
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(length, 1 << 20))
        for _ in 0..<length { bytes.append(try reader.byte()) }
        return bytes
    }

    private static func skip(_ wireType: UInt64, _ reader: inout ByteReader) throws {
        switch wireType {
        case 0: _ = try reader.varint()
        case 1: for _ in 0..<8 { _ = try reader.byte() }
        case 2: _ = try lengthDelimited(&reader)
        case 5: for _ in 0..<4 { _ = try reader.byte() }
        default: throw InfermonError.invalidInput("protobuf wire type \(wireType) is not supported")
        }
    }
}
