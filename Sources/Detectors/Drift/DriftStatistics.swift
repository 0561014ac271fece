/// The statistics of the distance tests, defined as Evidently defines them.
public enum DriftStatistics {
    /// Wasserstein distance over max(σ_reference, 0.001).
    public static func normalizedWasserstein(reference: SortedSample, current: SortedSample) -> Double {
        TwoSampleScan.wasserstein(reference.values, current.values) / max(reference.standardDeviation, 0.001)
    }

    /// The normalised Wasserstein distance of the samples winsorised at the
    /// reference's `trim` and 1 − `trim` quantiles, over the winsorised reference's
    /// standard deviation. With `trim` = 0 it is Evidently's statistic exactly.
    ///
    /// Why trim: W is the area between the CDFs, so one event 90σ out in a window
    /// of 1,000 adds 0.09 by itself, almost Evidently's whole 0.1 threshold; heavy
    /// tails (timeouts, pressure sensors) then raise drift alarms on stationary
    /// data. Winsorising bounds any single event's share while leaving a shift of
    /// the bulk untouched. Outliers are the outlier detector's business.
    public static func trimmedWasserstein(reference: SortedSample, current: SortedSample, trim: Double) -> Double {
        guard trim > 0, reference.count > 0 else {
            return normalizedWasserstein(reference: reference, current: current)
        }
        let (lower, upper) = trimBounds(reference, trim: trim)
        let distance = TwoSampleScan.compare(reference.values, current.values, lower: lower, upper: upper).wasserstein
        return distance / max(winsorizedDeviation(reference, lower: lower, upper: upper), 0.001)
    }

    /// Order statistics ⌊trim·n⌋ from each end of the reference.
    static func trimBounds(_ sample: SortedSample, trim: Double) -> (Double, Double) {
        let cut = min(Int(trim * Double(sample.count)), (sample.count - 1) / 2)
        return (sample.values[cut], sample.values[sample.count - 1 - cut])
    }

    static func winsorizedDeviation(_ sample: SortedSample, lower: Double, upper: Double) -> Double {
        var sum = 0.0
        for value in sample.values { sum += min(max(value, lower), upper) }
        let mean = sum / Double(sample.count)
        var squares = 0.0
        for value in sample.values {
            let deviation = min(max(value, lower), upper) - mean
            squares += deviation * deviation
        }
        return (squares / Double(sample.count)).squareRoot()
    }

    /// PSI after Evidently's zero fill.
    public static func psi(_ bins: BinnedShares) -> Double {
        Divergences.psi(
            reference: Binning.fillZeros(bins.referenceShares), current: Binning.fillZeros(bins.currentShares))
    }

    /// Jensen–Shannon distance on the unfilled shares.
    public static func jensenShannon(_ bins: BinnedShares) -> Double {
        Divergences.jensenShannon(bins.referenceShares, bins.currentShares)
    }

    /// The statistic of a distance test between two field samples.
    static func distance(
        _ test: DriftTest, reference: FieldSample, current: FieldSample, binCount: Int?, trim: Double
    ) -> Double {
        switch (reference, current) {
        case (.numeric(let r), .numeric(let c)):
            switch test {
            case .wasserstein: return trimmedWasserstein(reference: r, current: c, trim: trim)
            case .psi: return psi(Binning.numeric(reference: r, current: c, binCount: binCount))
            case .jensenShannon: return jensenShannon(Binning.numeric(reference: r, current: c, binCount: binCount))
            case .ks, .chiSquare: return .nan
            }
        case (.categorical(let r), .categorical(let c)):
            let bins = Binning.categorical(reference: r, current: c)
            switch test {
            case .psi: return psi(bins)
            case .jensenShannon: return jensenShannon(bins)
            default: return .nan
            }
        default:
            return .nan
        }
    }

    /// The three bins whose share moved most.
    static func movedBins(_ bins: BinnedShares, limit: Int = 3) -> [MovedBin] {
        var moved: [MovedBin] = []
        for index in bins.labels.indices {
            moved.append(
                MovedBin(
                    label: bins.labels[index], referenceShare: bins.referenceShares[index],
                    currentShare: bins.currentShares[index]))
        }
        moved.sort { abs($0.change) > abs($1.change) }
        return Array(moved.prefix(limit).filter { $0.change != 0 })
    }
}
