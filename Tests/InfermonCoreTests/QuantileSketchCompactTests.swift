import InfermonCore
import Testing

/// A sketch holds its bins sparsely until the dense form is no larger: both
/// forms must answer every quantile, merge and serialise the same.
@Suite("Quantile sketch, compact form")
struct QuantileSketchCompactTests {
    static func values(_ count: Int, seed: UInt64, signed: Bool) -> [Double] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { index in
            let value = random.logNormal(median: 0.8, sigma: 1.2)
            if signed && index % 5 == 0 { return -value }
            return signed && index % 7 == 0 ? 0 : value
        }
    }

    @Test(arguments: [1, 3, 12, 40, 96, 97, 400, 5_000])
    func sparseAndDenseFormsAnswerTheSame(count: Int) throws {
        for seed: UInt64 in 1...4 {
            var sketch = QuantileSketch()
            for value in Self.values(count, seed: seed, signed: seed % 2 == 0) { sketch.add(value) }
            let dense = sketch.densified()
            #expect(dense.isDense)
            if count <= 12 { #expect(!sketch.isDense, "\(count) spread values stay sparse") }
            for step in 0...200 {
                let q = Double(step) / 200
                #expect(sketch.quantile(q) == dense.quantile(q), "count \(count) seed \(seed) q \(q)")
            }
            #expect(sketch.serialized() == dense.serialized())
            #expect(sketch == dense)
            let decoded = try QuantileSketch(serialized: sketch.serialized())
            #expect(decoded.serialized() == sketch.serialized())

            // Merging in every combination of forms gives the same sketch.
            var other = QuantileSketch()
            for value in Self.values(count / 2 + 1, seed: seed + 100, signed: true) { other.add(value) }
            let reference = { () -> QuantileSketch in
                var merged = dense
                merged.merge(other.densified())
                return merged
            }()
            for (left, right) in [(sketch, other), (dense, other), (sketch, other.densified()), (other, sketch)] {
                var merged = left
                merged.merge(right)
                #expect(merged.serialized() == reference.serialized())
                for q in [0, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1] {
                    #expect(merged.quantile(q) == reference.quantile(q))
                }
            }
        }
    }

    /// Twelve latencies over a few hundred log bins: 8 bytes per value, not 8 per bin of the span.
    @Test func aDozenSpreadValuesTakeAFewHundredBytes() {
        var sketch = QuantileSketch()
        for value in Self.values(12, seed: 9, signed: false) { sketch.add(value) }
        #expect(!sketch.isDense)
        #expect(sketch.retainedBytes <= 32 + 16 * 8)
        #expect(sketch.densified().retainedBytes > 1_000)
    }
}
