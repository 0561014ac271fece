/// The statistics of the distance tests, defined as Evidently defines them.
public enum DriftStatistics {
    /// Wasserstein distance over max(σ_reference, 0.001).
    public static func normalizedWasserstein(reference: SortedSample, current: SortedSample) -> Double {
        TwoSampleScan.wasserstein(reference.values, current.values) / max(reference.standardDeviation, 0.001)
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
    static func distance(_ test: DriftTest, reference: FieldSample, current: FieldSample, binCount: Int?) -> Double {
        switch (reference, current) {
        case (.numeric(let r), .numeric(let c)):
            switch test {
            case .wasserstein: return normalizedWasserstein(reference: r, current: c)
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
