import ArgumentParser
import InfermonCore

#if canImport(Glibc)
    import Glibc
#endif

/// `infermon bench sketches`: the quantile accuracy the latency signals rest on.
/// A day of heavy-tailed latencies is split into one-minute sketches (as the
/// rollups keep them), merged back, and compared with the exact order statistics.
struct BenchSketches: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sketches",
        abstract: "Accuracy and size of merged one-minute latency sketches on log-normal and Pareto data.")

    @Option(help: "Latencies per distribution.") var values = 1_000_000
    @Option(help: "One-minute sketches they are split into.") var minutes = 1440
    @Option(help: "Random seed.") var seed: UInt64 = 7

    func run() throws {
        print(
            "\(values) values per distribution in \(minutes) sketches, relative accuracy \(QuantileSketch.defaultRelativeAccuracy)"
        )
        for distribution in ["lognormal", "pareto"] {
            var random = SeededRandom(seed: seed)
            var data = [Double]()
            data.reserveCapacity(values)
            for _ in 0..<values {
                if distribution == "lognormal" {
                    let normal = sqrt(-2 * log(random.unit())) * cos(2 * Double.pi * random.unit())
                    data.append(0.3 * exp(0.9 * normal))  // median 300 ms, sigma 0.9
                } else {
                    data.append(0.05 / pow(random.unit(), 1 / 1.5))  // Pareto, 50 ms minimum, alpha 1.5
                }
            }
            var sketches = [QuantileSketch](repeating: QuantileSketch(), count: minutes)
            for (index, value) in data.enumerated() { sketches[index % minutes].add(value) }
            var bytes: [Int] = []
            var denseBins: [Int] = []
            var merged = QuantileSketch()
            let start = monotonicNanoseconds()
            for sketch in sketches {
                let serialized = sketch.serialized()
                bytes.append(serialized.count)
                merged.merge(try QuantileSketch(serialized: serialized))
                // In memory the bins are dense from the smallest to the largest index: 8 bytes each.
                let gamma = (1 + sketch.relativeAccuracy) / (1 - sketch.relativeAccuracy)
                denseBins.append(Int((log(sketch.max / sketch.min) / log(gamma)).rounded(.up)) + 1)
            }
            let mergeMillis = Double(monotonicNanoseconds() - start) / 1e6
            data.sort()
            var line = distribution + String(repeating: " ", count: max(0, 10 - distribution.count))
            for q in [0.5, 0.95, 0.99] {
                let exact = data[Int((q * Double(values - 1)).rounded(.down))]
                let estimate = merged.quantile(q) ?? .nan
                line +=
                    "  p\(Int(q * 100)) \(formatFixed(estimate, 4))s (exact \(formatFixed(exact, 4))s, error \(formatFixed(abs(estimate - exact) / exact * 100, 3))%)"
            }
            print(line)
            let meanBytes = Double(bytes.reduce(0, +)) / Double(bytes.count)
            let meanDense = Double(denseBins.reduce(0, +)) / Double(denseBins.count)
            print(
                "          per one-minute rollup (\(values / minutes) values): stored \(Int(meanBytes.rounded())) B on average, "
                    + "max \(bytes.max() ?? 0) B; in memory about \(Int((meanDense * 8).rounded())) B of bins; "
                    + "decode and merge all \(minutes): \(formatFixed(mergeMillis, 1)) ms")
        }
    }
}

/// `value` with `decimals` digits after the point.
func formatFixed(_ value: Double, _ decimals: Int) -> String {
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = Int64((abs(value) * scale).rounded())
    let whole = scaled / Int64(scale)
    var fraction = String(scaled % Int64(scale))
    fraction = String(repeating: "0", count: max(0, decimals - fraction.count)) + fraction
    return (value < 0 ? "-" : "") + "\(whole)" + (decimals > 0 ? "." + fraction : "")
}
