/// The drift tests, by the names Evidently and the configuration use.
public enum DriftTest: String, Sendable, CaseIterable, Codable {
    /// Two-sample Kolmogorov–Smirnov; the score is D, the verdict comes from its p-value.
    case ks
    /// Wasserstein-1 distance divided by the reference's standard deviation.
    case wasserstein
    /// Population stability index over Evidently's bins.
    case psi
    /// Jensen–Shannon distance (natural log) over Evidently's bins.
    case jensenShannon = "jensenshannon"
    /// Pearson chi-square test of homogeneity on category counts.
    case chiSquare = "chisquare"

    /// Tests whose verdict is a p-value against the significance level; the others
    /// are distances with an effect-size floor and a calibrated null distribution.
    public var isPValueTest: Bool { self == .ks || self == .chiSquare }

    /// Whether the test applies to numbers (all do) and to categories.
    public var acceptsCategories: Bool { self != .ks && self != .wasserstein }
}

/// Shapes of data the tests see: a sorted numeric sample, or category counts.
public enum FieldSample: Sendable {
    case numeric(SortedSample)
    case categorical([String: Int])

    public var count: Int {
        switch self {
        case .numeric(let sample): sample.count
        case .categorical(let counts): counts.values.reduce(0, +)
        }
    }

    public var isNumeric: Bool {
        if case .numeric = self { return true }
        return false
    }
}

/// The verdict on one field.
public enum DriftVerdict: String, Sendable, Codable {
    case drift
    case noDrift = "no_drift"
    /// Fewer values than the minimum on either side: never reported as drift.
    case notEnoughData = "not_enough_data"
    /// One value on both sides (an empty tenant, an all-`ok` status): nothing can
    /// move, so the field stays out of the multiple-testing family, whose size
    /// a p-value of 1 would only inflate.
    case notTestable = "not_testable"
}

/// A bin whose share changed, for reports.
public struct MovedBin: Sendable, Equatable, Codable {
    public var label: String
    public var referenceShare: Double
    public var currentShare: Double
    public var change: Double { currentShare - referenceShare }
}

/// The outcome of comparing one field's reference and current samples.
public struct FieldDrift: Sendable, Codable {
    public var field: String
    public var test: DriftTest
    /// The test's statistic: D, normalised distance, PSI, JS distance or chi-square.
    public var statistic: Double
    /// Raw p-value: analytic for KS and chi-square, from the calibrated null
    /// distribution for distance tests; NaN when not computed.
    public var pValue: Double
    /// Benjamini–Hochberg adjusted p-value across the fields of one evaluation.
    public var adjustedPValue: Double
    /// What the statistic is compared with: the significance level for p-value
    /// tests, the larger of the effect floor and the calibrated null quantile for distances.
    public var threshold: Double
    public var verdict: DriftVerdict
    public var referenceCount: Int
    public var currentCount: Int
    /// Up to three bins with the largest change in share.
    public var movedBins: [MovedBin]
    /// Every applicable test's statistic, when asked for (reports, benchmarks).
    public var allScores: [String: Double]

    public var isDrift: Bool { verdict == .drift }
    /// Whether the field was tested: enough data, and more than one value to compare.
    public var isTested: Bool { verdict != .notEnoughData && verdict != .notTestable }
}
