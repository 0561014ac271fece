public import InfermonCore

/// How well a classifier's probabilities match outcome frequencies over one
/// window: the reliability curve over equal-width bins, the expected
/// calibration error (ECE, the event-weighted mean gap between each bin's mean
/// probability and its share of positives) with a percentile-bootstrap
/// interval, and the Brier score.
///
/// Why a bootstrap and not a formula: ECE is a sum of absolute gaps, biased
/// upward on small samples and without a usable closed-form variance; resampling
/// the window's events shows how far it moves with the sample alone.
public struct Calibration: Sendable, Equatable {
    public struct Bin: Sendable, Equatable {
        /// The bin's upper edge (its range is `(upper - 1/bins, upper]`, the first includes 0).
        public var upper: Double
        public var events: Int
        /// Mean predicted probability of the bin's events.
        public var predicted: Double
        /// Share of the bin's events that were positive.
        public var observed: Double
    }

    public var bins: [Bin]
    public var ece: Double
    public var eceLower: Double
    public var eceUpper: Double
    public var brier: Double
    public var count: Int

    /// `resamples` bootstrap draws (seeded, so the same window gives the same interval), `level` e.g. 0.95.
    public init?(
        probabilities: [Double], truths: [Bool], binCount: Int = 10, resamples: Int = 200, level: Double = 0.95,
        seed: UInt64 = 0x5EED
    ) {
        precondition(probabilities.count == truths.count && binCount > 0)
        guard !probabilities.isEmpty else { return nil }
        let binOf = probabilities.map { Self.bin($0, binCount) }
        var sums = [Double](repeating: 0, count: binCount)
        var positives = [Double](repeating: 0, count: binCount)
        var counts = [Int](repeating: 0, count: binCount)
        var brier = 0.0
        for index in probabilities.indices {
            let bin = binOf[index]
            sums[bin] += probabilities[index]
            if truths[index] { positives[bin] += 1 }
            counts[bin] += 1
            let outcome = truths[index] ? 1.0 : 0.0
            brier += (probabilities[index] - outcome) * (probabilities[index] - outcome)
        }
        count = probabilities.count
        self.brier = brier / Double(count)
        var bins: [Bin] = []
        for bin in 0..<binCount where counts[bin] > 0 {
            let events = Double(counts[bin])
            let upper = Double(bin + 1) / Double(binCount)
            bins.append(
                Bin(upper: upper, events: counts[bin], predicted: sums[bin] / events, observed: positives[bin] / events)
            )
        }
        self.bins = bins
        ece = Self.ece(sums: sums, positives: positives, counts: counts, total: count)
        // Bootstrap: resample events with replacement, recompute ECE from the bin tallies.
        var random = SeededRandom(seed: seed)
        var draws: [Double] = []
        draws.reserveCapacity(resamples)
        for _ in 0..<resamples {
            var drawSums = [Double](repeating: 0, count: binCount)
            var drawPositives = [Double](repeating: 0, count: binCount)
            var drawCounts = [Int](repeating: 0, count: binCount)
            for _ in 0..<count {
                let index = Int(random.next() % UInt64(count))
                let bin = binOf[index]
                drawSums[bin] += probabilities[index]
                if truths[index] { drawPositives[bin] += 1 }
                drawCounts[bin] += 1
            }
            draws.append(Self.ece(sums: drawSums, positives: drawPositives, counts: drawCounts, total: count))
        }
        draws.sort()
        if draws.isEmpty {
            eceLower = ece
            eceUpper = ece
        } else {
            let tail = (1 - level) / 2
            eceLower = Self.quantile(draws, tail)
            eceUpper = Self.quantile(draws, 1 - tail)
        }
    }

    static func bin(_ probability: Double, _ binCount: Int) -> Int {
        let clamped = min(1, max(0, probability))
        // (k/B, (k+1)/B]; 0 goes to the first bin.
        let raw = Int((clamped * Double(binCount)).rounded(.up)) - 1
        return min(binCount - 1, max(0, raw))
    }

    static func ece(sums: [Double], positives: [Double], counts: [Int], total: Int) -> Double {
        var result = 0.0
        for bin in counts.indices where counts[bin] > 0 {
            let n = Double(counts[bin])
            result += n / Double(total) * abs(sums[bin] / n - positives[bin] / n)
        }
        return result
    }

    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(sorted.count - 1, lower + 1)
        let fraction = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }
}
