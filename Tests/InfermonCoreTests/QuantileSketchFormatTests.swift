import Foundation
import InfermonCore
import Testing

/// The stored form of a sketch: five per rollup interval and label set, most of
/// them holding one value, so the format's fixed part is what the disk pays for.
@Suite("Quantile sketch, stored format")
struct QuantileSketchFormatTests {
    static func sketch(_ values: [Double], accuracy: Double = 0.005) -> QuantileSketch {
        var sketch = QuantileSketch(relativeAccuracy: accuracy)
        for value in values { sketch.add(value) }
        return sketch
    }

    static func expectSameAnswers(_ left: QuantileSketch, _ right: QuantileSketch) {
        #expect(left == right)
        #expect(left.count == right.count && left.zeroCount == right.zeroCount)
        #expect(left.sum.bitPattern == right.sum.bitPattern || (left.sum == 0 && right.sum == 0))
        #expect(left.min == right.min && left.max == right.max)
        for step in 0...20 {
            let q = Double(step) / 20
            #expect(left.quantile(q) == right.quantile(q), "q \(q)")
        }
    }

    @Test(arguments: [
        [0.231], [1_234, 1_234, 1_234], [0], [-0.5, -0.5], [1e-12], [7e9], [42, 42, 42, 42, 42, 42, 42],
    ])
    func equalValuesAreStoredAsTheValueAndItsCount(values: [Double]) throws {
        let sketch = Self.sketch(values)
        let bytes = sketch.serialized()
        #expect(bytes.count <= 10, "\(values) took \(bytes.count) bytes")
        #expect(bytes.count < sketch.serializedInFirstFormat().count - 25)
        let copy = try QuantileSketch(serialized: bytes)
        Self.expectSameAnswers(copy, sketch)
        #expect(copy.serialized() == bytes)
    }

    @Test func equalValuesWhoseRunningSumIsNotValueTimesCountKeepTheirSum() throws {
        // Ten additions of 0.1 sum to 0.9999999999999999; 0.1 × 10 is 1.0.
        let sketch = Self.sketch(Array(repeating: 0.1, count: 10))
        #expect(sketch.sum != 0.1 * 10)
        let copy = try QuantileSketch(serialized: sketch.serialized())
        Self.expectSameAnswers(copy, sketch)
        #expect(copy.sum.bitPattern == sketch.sum.bitPattern)
    }

    @Test(arguments: [2, 12, 400, 5_000])
    func spreadValuesTakeEightBytesLessThanTheFirstFormat(count: Int) throws {
        var random = SeededRandom(seed: UInt64(count))
        let sketch = Self.sketch((0..<count).map { _ in random.logNormal(median: 0.8, sigma: 1.2) })
        let bytes = sketch.serialized()
        #expect(bytes.count == sketch.serializedInFirstFormat().count - 8)
        Self.expectSameAnswers(try QuantileSketch(serialized: bytes), sketch)
    }

    @Test(arguments: [[0.3], [0.3, 0.3], [0.3, 4.5, -2, 0]])
    func theFirstFormatIsStillRead(values: [Double]) throws {
        for accuracy in [QuantileSketch.defaultRelativeAccuracy, 0.02] {
            let sketch = Self.sketch(values, accuracy: accuracy)
            let copy = try QuantileSketch(serialized: sketch.serializedInFirstFormat())
            Self.expectSameAnswers(copy, sketch)
            #expect(copy.relativeAccuracy == accuracy)
        }
    }

    @Test(arguments: [[0.3], [0.3, 4.5, -2, 0]])
    func anAccuracyOtherThanTheDefaultIsWrittenOut(values: [Double]) throws {
        let sketch = Self.sketch(values, accuracy: 0.01)
        let bytes = sketch.serialized()
        #expect(Array(bytes[1..<9]) == Self.bytes(0.01))
        #expect(bytes.count == (values.count == 1 ? 18 : sketch.serializedInFirstFormat().count))
        let copy = try QuantileSketch(serialized: bytes)
        #expect(copy.relativeAccuracy == 0.01)
        Self.expectSameAnswers(copy, sketch)
    }

    @Test func mergedSketchesOfOneValueStayUniform() throws {
        var merged = QuantileSketch()
        for _ in 0..<5 { merged.merge(try QuantileSketch(serialized: Self.sketch([2.5]).serialized())) }
        #expect(merged.serialized().count <= 10)
        #expect(merged.count == 5)
        merged.merge(Self.sketch([3.5]))
        #expect(merged.serialized().count > 20, "two distinct values need the general form")
    }

    static func bytes(_ value: Double) -> [UInt8] {
        var out: [UInt8] = []
        appendDouble(value, to: &out)
        return out
    }

    static let corrupt: [[UInt8]] = {
        var cases: [[UInt8]] = [[], [0x14], [0x18], [0x20], [0x12]]
        cases.append([0x12] + bytes(1.0))  // the count is missing
        cases.append([0x12] + bytes(.nan) + [1])
        cases.append([0x12] + bytes(1.0) + [0])  // a count of zero
        cases.append([0x13] + bytes(1.5) + bytes(1.0) + [1])  // an accuracy past 1
        cases.append([1] + bytes(0) + [0, 0])  // the first format with an accuracy of 0
        return cases
    }()

    @Test(arguments: corrupt)
    func corruptBytesAreAnErrorNotATrap(bytes: [UInt8]) {
        #expect(throws: InfermonError.self) { try QuantileSketch(serialized: bytes) }
    }
}
