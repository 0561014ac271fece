import InfermonCore
import Testing

@testable import RemoteWrite

@Suite("RemoteWrite wire format")
struct WireFormatTests {
    @Test func snappyRoundTripsAndCompressesRepetition() throws {
        var random = SeededRandom(seed: 7)
        let noise = (0..<10_000).map { _ in UInt8.random(in: 0...255, using: &random) }
        let repetitive = Array(repeating: Array("infermon_requests_total{model=\"a\"}".utf8), count: 300).flatMap { $0 }
        for input in [[], [1], noise, repetitive] {
            #expect(try Snappy.decompress(Snappy.compress(input)) == input)
        }
        #expect(Snappy.compress(repetitive).count < repetitive.count / 10)
    }

    /// A block written by hand from the format description (a literal, then a
    /// copy with a 1-byte offset): what the library reads is the format, not only itself.
    @Test func snappyReadsTheBlockFormat() throws {
        // length 8; literal of 4 "abcd" (tag (4-1)<<2); copy length 4 offset 4 (tag 1: (4-4)<<2|1, offset 4).
        let block: [UInt8] = [8, 3 << 2, 97, 98, 99, 100, 0b0000_0001, 4]
        #expect(try Snappy.decompress(block) == Array("abcdabcd".utf8))
        #expect(throws: (any Error).self) { try Snappy.decompress([9, 3 << 2, 97]) }
        #expect(throws: (any Error).self) { try Snappy.decompress([0xff, 0xff, 0xff, 0xff, 0x7f]) }
    }

    @Test func writeRequestDecodesToWhatWasEncoded() throws {
        let series = [
            Series(
                labels: Labels(name: "infermon_requests_total", ["model": "gpt-4o", "status": "ok", "é": "ü"]),
                samples: [Sample(1_700_000_000_000, 1), Sample(1_700_000_060_000, 2.5), Sample(-5, .infinity)]),
            Series(labels: Labels(name: "up"), samples: [Sample(0, 0), Sample(Int64.max, Sample.staleNaN)]),
            Series(labels: Labels(name: "x", ["long": String(repeating: "v", count: 300)]), samples: []),
        ]
        let decoded = try WriteRequestDecoder.decode(WriteRequestEncoder.encode(series))
        #expect(decoded.count == series.count)
        for (got, want) in zip(decoded, series) {
            #expect(got.labels == want.labels)
            #expect(got.samples.map(\.timestamp) == want.samples.map(\.timestamp))
            #expect(got.samples.map(\.value.bitPattern) == want.samples.map(\.value.bitPattern))
        }
    }

    /// The exact bytes for one small series, worked out from the protobuf encoding rules.
    @Test func writeRequestBytesMatchTheProtobufEncoding() {
        let bytes = WriteRequestEncoder.encode([Series(labels: Labels(name: "a"), samples: [Sample(1, 1)])])
        let label: [UInt8] = [0x0a, 8] + Array("__name__".utf8) + [0x12, 1, 0x61]
        let sample: [UInt8] = [0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x10, 1]
        let series: [UInt8] = [0x0a, UInt8(label.count)] + label + [0x12, UInt8(sample.count)] + sample
        #expect(bytes == [0x0a, UInt8(series.count)] + series)
    }

    @Test func decoderRejectsTruncatedInput() {
        let bytes = WriteRequestEncoder.encode([Series(labels: Labels(name: "a"), samples: [Sample(1, 1)])])
        #expect(throws: (any Error).self) { try WriteRequestDecoder.decode(Array(bytes.dropLast(3))) }
    }
}
