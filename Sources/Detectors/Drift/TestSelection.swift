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
