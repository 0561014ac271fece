/// Which test a field gets when the configuration does not name one.
///
/// The rule starts from Evidently's default and keeps its shape:
///
/// | data                                             | reference ≤ 1,000 rows | reference > 1,000 rows |
/// |--------------------------------------------------|------------------------|------------------------|
/// | numeric, more than 5 distinct values             | Kolmogorov–Smirnov     | normalised Wasserstein |
/// | numeric with at most 5 distinct values, or categorical | chi-square       | Jensen–Shannon         |
///
/// Differences from Evidently: the two-category case uses the same chi-square
/// homogeneity test (identical to Evidently's two-proportion z-test, whose square
/// it is); p-values are controlled across fields with Benjamini–Hochberg at a
/// stricter default level; and the distance tests' thresholds are the larger of
/// Evidently's fixed constants and a null quantile calibrated on the reference,
/// so small windows do not raise alarms from sampling noise alone.
public enum TestSelection {
    public static func choose(
        field: String, reference: FieldSample, current: FieldSample, settings: DriftSettings
    ) -> DriftTest {
        if let requested = settings.overrides[field] {
            if reference.isNumeric || requested.acceptsCategories { return requested }
        }
        let large = reference.count > settings.smallReferenceLimit
        switch (reference, current) {
        case (.numeric(let r), .numeric(let c)):
            if distinctUnion(r, c, atMost: settings.fewValuesLimit) > settings.fewValuesLimit {
                return large ? .wasserstein : .ks
            }
            return large ? .jensenShannon : .chiSquare
        default:
            return large ? .jensenShannon : .chiSquare
        }
    }

    /// Distinct values of the two samples together, counted only as far as `limit + 1`.
    static func distinctUnion(_ a: SortedSample, _ b: SortedSample, atMost limit: Int) -> Int {
        if a.distinctCount > limit || b.distinctCount > limit { return limit + 1 }
        return Set(a.valueCounts().map(\.value)).union(b.valueCounts().map(\.value)).count
    }
}

/// Every knob of the drift comparison, with defaults chosen to meet the project's
/// targets (see `DriftDetector`): at most 1% of stationary windows flagged, and a
/// 0.5σ mean shift caught in at least 95% of 1,000-event windows.
public struct DriftSettings: Sendable, Equatable {
    /// False discovery rate across the fields of one evaluation (Benjamini–Hochberg).
    /// 0.005 rather than the customary 0.05: with dozens of fields evaluated every
    /// minute, 5% would page someone several times an hour on stable traffic.
    public var alpha = 0.005
    /// Fewer values than this on either side gives "not enough data".
    public var minimumSamples = 50
    /// Evidently's switch between small-sample p-value tests and distances.
    public var smallReferenceLimit = 1000
    /// Numeric fields with at most this many distinct values are treated as categories.
    public var fewValuesLimit = 5
    /// Smallest distance that counts as drift however significant: Evidently's defaults.
    public var floors: [DriftTest: Double] = [.wasserstein: 0.1, .psi: 0.1, .jensenShannon: 0.1]
    /// Share of the reference winsorised at each tail before the Wasserstein distance
    /// (see `DriftStatistics.trimmedWasserstein`); 0 reproduces Evidently's statistic.
    public var wassersteinTrim = 0.005
    /// Per-field test, overriding the automatic choice.
    public var overrides: [String: DriftTest] = [:]
    /// Resamples of the reference for the distance tests' null distribution; 0 turns
    /// calibration off (then only the floor decides).
    public var bootstrapReplicates = 100
    /// Largest combined size drawn per replicate; larger windows are scaled down.
    public var calibrationCap = 2000
    /// Seed of the resampling, so the same windows always give the same verdict.
    public var seed: UInt64 = 0x1d_2c3b_4a59
    /// KS p-value method.
    public var ksMethod: KolmogorovSmirnov.Method = .auto
    /// Also compute every other applicable test's statistic (reports, benchmarks).
    public var computeAllScores = false

    public init() {}

    public func floor(for test: DriftTest) -> Double { floors[test] ?? 0 }
}
