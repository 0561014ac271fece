#if canImport(Glibc)
    import Glibc
#endif

/// Location and scale that a few extreme events cannot drag: the median and the
/// median absolute deviation (MAD). Scores are Iglewicz and Hoaglin's modified
/// z-scores, 0.6745·(x − median)/MAD, which read like standard normal z-scores on
/// normal data; |score| > 3.5 is their recommended outlier cut.
public struct RobustScale: Sendable, Equatable {
    public var median: Double
    /// MAD, or when more than half of the values are equal (MAD = 0) the mean absolute
    /// deviation times 1.2533/1.4826 so the score keeps the same meaning (the usual fallback).
    public var spread: Double
    public var transform: OutlierTransform

    public static let normalConsistency = 0.6745

    /// nil when nothing can be scored (no finite transformed values, or no spread at all).
    public init?(_ values: [Double], transform: OutlierTransform) {
        var data = values.compactMap { transform.apply($0) }
        guard !data.isEmpty else { return nil }
        data.sort()
        let center = Self.median(sorted: data)
        var deviations = data.map { abs($0 - center) }
        deviations.sort()
        var spread = Self.median(sorted: deviations)
        if spread == 0 {
            let meanDeviation = deviations.reduce(0, +) / Double(deviations.count)
            spread = meanDeviation * 1.2533 / 1.4826
        }
        guard spread > 0 else { return nil }
        self.median = center
        self.spread = spread
        self.transform = transform
    }

    /// The modified z-score of one raw value, or nil when the value cannot be scored.
    public func score(_ raw: Double) -> Double? {
        guard let x = transform.apply(raw) else { return nil }
        return Self.normalConsistency * (x - median) / spread
    }

    static func median(sorted: [Double]) -> Double {
        let count = sorted.count
        return count % 2 == 1 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2
    }
}

/// Latency, token counts and cost are strongly right-skewed (roughly log-normal):
/// on the raw scale every slow request would look like an outlier, so they are
/// scored on a log scale.
public enum OutlierTransform: String, Sendable, Equatable {
    case identity
    /// log(x) for x > 0; zeros and negatives are not scored.
    case log
    /// log(1 + x) for x ≥ 0, for counts that may be zero.
    case log1p

    public func apply(_ value: Double) -> Double? {
        guard value.isFinite else { return nil }
        switch self {
        case .identity: return value
        case .log: return value > 0 ? Glibc.log(value) : nil
        case .log1p: return value >= 0 ? Glibc.log1p(value) : nil
        }
    }
}

/// The share of events whose |score| exceeds the cut.
public struct OutlierRate: Sendable, Equatable {
    public var outliers: Int
    public var scored: Int
    public var rate: Double { scored == 0 ? .nan : Double(outliers) / Double(scored) }

    public static let defaultCut = 3.5

    /// Scores `values` against `scale` (fitted on a reference or on the values themselves).
    public init(values: [Double], scale: RobustScale, cut: Double = defaultCut) {
        var outliers = 0
        var scored = 0
        for value in values {
            guard let z = scale.score(value) else { continue }
            scored += 1
            if abs(z) > cut { outliers += 1 }
        }
        self.outliers = outliers
        self.scored = scored
    }
}
