import InfermonCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Quantile sketch")
struct QuantileSketchTests {
    /// 1,000,000 heavy-tailed latencies split into 1,440 one-minute sketches and
    /// merged back: p50/p95/p99 within 1% of the exact order statistics.
    @Test(arguments: ["lognormal", "pareto"])
    func mergedQuantilesStayWithinOnePercent(distribution: String) throws {
        var random = SeededRandom(seed: distribution == "pareto" ? 11 : 7)
        let count = 1_000_000
        var values = [Double]()
        values.reserveCapacity(count)
        for _ in 0..<count {
            switch distribution {
            case "lognormal":
                let normal = sqrt(-2 * log(random.unit())) * cos(2 * Double.pi * random.unit())
                values.append(0.3 * exp(0.9 * normal))
            default:
                values.append(0.05 / pow(random.unit(), 1 / 1.5))  // Pareto, alpha 1.5
            }
        }
        var minutes = [QuantileSketch](repeating: QuantileSketch(), count: 1440)
        for (index, value) in values.enumerated() { minutes[index % 1440].add(value) }
        var merged = QuantileSketch()
        var serializedBytes = 0
        for minute in minutes {
            let bytes = minute.serialized()
            serializedBytes += bytes.count
            merged.merge(try QuantileSketch(serialized: bytes))
        }
        values.sort()
        for q in [0.5, 0.95, 0.99] {
            let exact = values[Int((q * Double(count - 1)).rounded(.down))]
            let estimate = try #require(merged.quantile(q))
            #expect(abs(estimate - exact) / exact < 0.01, "\(distribution) q=\(q): \(estimate) vs \(exact)")
        }
        #expect(merged.count == UInt64(count))
        #expect(merged.quantile(0) == values.first && merged.quantile(1) == values.last)
        // Memory per one-minute rollup sketch, reported in the README.
        #expect(serializedBytes / 1440 < 4096)
    }

    @Test func emptyZeroAndNegativeValues() throws {
        var sketch = QuantileSketch()
        #expect(sketch.quantile(0.5) == nil)
        for value in [-2.0, -1.0, 0, 0, 1, 2, 3] { sketch.add(value) }
        #expect(sketch.quantile(0) == -2)
        #expect(sketch.quantile(0.5) == 0)
        #expect(abs(sketch.quantile(1)! - 3) < 1e-9)
        let copy = try QuantileSketch(serialized: sketch.serialized())
        #expect(copy == sketch)
    }

    /// Values far apart make one run of bins each; past 127 runs their count
    /// takes two bytes in front of the runs.
    @Test(arguments: [1, 127, 128, 300])
    func sparseSketchesRoundTrip(runs: Int) throws {
        var sketch = QuantileSketch()
        for run in 0..<runs {
            sketch.add(pow(1.05, Double(run)) * 0.001, count: UInt64(run + 1))
            sketch.add(-pow(1.05, Double(run)) * 0.001)
        }
        let copy = try QuantileSketch(serialized: sketch.serialized())
        #expect(copy == sketch)
        #expect(copy.nonEmptyBinCount == 2 * runs)
    }

    @Test func corruptBytesAreAnErrorNotACrash() {
        #expect(throws: InfermonError.self) { try QuantileSketch(serialized: [1, 2, 3]) }
        #expect(throws: InfermonError.self) { try QuantileSketch(serialized: [9]) }
    }
}
