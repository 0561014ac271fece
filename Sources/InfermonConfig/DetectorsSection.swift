import InfermonCore

/// The `detectors:` section: scheduled drift, outlier, anomaly and quality
/// detection inside `infermon serve`. Kept free of the Detectors module's types;
/// the daemon maps it onto `DetectorOptions`.
public struct DetectorsSection: Sendable, Equatable {
    public enum Reference: Sendable, Equatable {
        case previous(Int64)
        case fixed(from: Timestamp, through: Timestamp)
        case baseline(String)
    }

    /// Test names a field may be given (Evidently's names).
    public static let testNames = ["ks", "wasserstein", "psi", "jensenshannon", "chisquare"]
    public static let thresholdTests = ["wasserstein", "psi", "jensenshannon"]

    public var enabled = true
    public var interval: Int64 = 60_000
    public var window: Int64 = 3_600_000
    public var reference: Reference = .previous(86_400_000)
    public var alpha = 0.005
    public var minimumSamples = 50
    public var bootstrap = 100
    /// Effect floors of the distance tests, by test name.
    public var thresholds: [String: Double] = [:]
    /// Test per field, overriding the automatic choice.
    public var tests: [String: String] = [:]
    public var exclude: [String] = []
    /// Labels drift is also measured per value of, within each model.
    public var groupBy: [String] = []
    public static let groupableLabels = ["tenant", "route", "model_version"]
    public var outlierCut = 3.5
    public var anomalySmoothing = 0.3
    public var seasonalSmoothing = 0.2
    public var utcOffsetHours = 0
    public var changePointK = 0.5
    public var changePointH = 8.0
    public var changePointWarmup = 20
    public var changePointMinimumScale = 0.01
    public var judgeScoreFeature = "judge_score"
    public var maximumEventsPerModel = 200_000

    public init() {}

    static let keys: Set<String> = [
        "enabled", "interval", "window", "reference", "alpha", "min_samples", "bootstrap", "thresholds", "tests",
        "exclude", "group_by", "outlier_cut", "anomaly", "change_point", "judge_score_feature", "max_events_per_model",
    ]

    static func parse(_ value: YAMLValue) throws -> DetectorsSection {
        let map = try value.mapping(allowed: keys)
        var section = DetectorsSection()
        if let enabled = map["enabled"] { section.enabled = try enabled.bool() }
        if let interval = map["interval"] { section.interval = try positiveDuration(interval) }
        if let window = map["window"] { section.window = try positiveDuration(window) }
        if let reference = map["reference"] { section.reference = try parseReference(reference) }
        if let alpha = map["alpha"] {
            section.alpha = try alpha.double()
            guard section.alpha > 0, section.alpha < 1 else { throw alpha.error("alpha must be between 0 and 1") }
        }
        if let minimum = map["min_samples"] { section.minimumSamples = try minimum.int(in: 2...10_000_000) }
        if let bootstrap = map["bootstrap"] { section.bootstrap = try bootstrap.int(in: 0...100_000) }
        if let thresholds = map["thresholds"] {
            for (test, threshold) in try thresholds.entries() {
                guard Self.thresholdTests.contains(test) else {
                    throw threshold.error(
                        "thresholds apply to \(Self.thresholdTests.joined(separator: ", ")), not \"\(test)\"")
                }
                let number = try threshold.double()
                guard number >= 0 else { throw threshold.error("a threshold cannot be negative") }
                section.thresholds[test] = number
            }
        }
        if let tests = map["tests"] {
            for (field, test) in try tests.entries() { section.tests[field] = try test.oneOf(Self.testNames) }
        }
        if let exclude = map["exclude"] { section.exclude = try exclude.stringList() }
        if let groupBy = map["group_by"] {
            section.groupBy = try groupBy.stringList()
            for label in section.groupBy where !Self.groupableLabels.contains(label) {
                throw groupBy.error(
                    "drift can be grouped by \(Self.groupableLabels.joined(separator: ", ")), not \"\(label)\"")
            }
        }
        if let cut = map["outlier_cut"] {
            section.outlierCut = try cut.double()
            guard section.outlierCut > 0 else { throw cut.error("must be positive") }
        }
        if let anomaly = map["anomaly"] {
            let fields = try anomaly.mapping(allowed: ["smoothing", "seasonal_smoothing", "utc_offset_hours"])
            if let smoothing = fields["smoothing"] { section.anomalySmoothing = try fraction(smoothing) }
            if let seasonal = fields["seasonal_smoothing"] { section.seasonalSmoothing = try fraction(seasonal) }
            if let offset = fields["utc_offset_hours"] { section.utcOffsetHours = try offset.int(in: -14...14) }
        }
        if let change = map["change_point"] {
            let fields = try change.mapping(allowed: ["k", "h", "warmup", "min_scale"])
            if let k = fields["k"] { section.changePointK = try nonNegative(k) }
            if let h = fields["h"] { section.changePointH = try nonNegative(h) }
            if let warmup = fields["warmup"] { section.changePointWarmup = try warmup.int(in: 2...100_000) }
            if let scale = fields["min_scale"] { section.changePointMinimumScale = try nonNegative(scale) }
        }
        if let judge = map["judge_score_feature"] { section.judgeScoreFeature = try judge.string() }
        if let maximum = map["max_events_per_model"] {
            section.maximumEventsPerModel = try maximum.int(in: 100...100_000_000)
        }
        return section
    }

    private static func parseReference(_ value: YAMLValue) throws -> Reference {
        let map = try value.mapping(allowed: ["previous", "from", "to", "baseline"])
        let given = ["previous", "from", "baseline"].filter { map[$0] != nil }
        guard given.count == 1 else {
            throw value.error(
                "give exactly one of previous: <duration>, from:/to: <RFC 3339 times>, or baseline: <name>")
        }
        if let previous = map["previous"] { return .previous(try positiveDuration(previous)) }
        if let baseline = map["baseline"] { return .baseline(try baseline.string()) }
        let fromValue = try map.required("from")
        let toValue = try map.required("to")
        guard let from = TimeParsing.rfc3339Millis(try fromValue.string()) else {
            throw fromValue.error("expected an RFC 3339 time such as 2026-01-01T00:00:00Z")
        }
        guard let through = TimeParsing.rfc3339Millis(try toValue.string()) else {
            throw toValue.error("expected an RFC 3339 time such as 2026-01-08T00:00:00Z")
        }
        guard from < through else { throw toValue.error("must be later than from") }
        return .fixed(from: from, through: through)
    }

    private static func positiveDuration(_ value: YAMLValue) throws -> Int64 {
        let millis = try value.duration()
        guard millis > 0 else { throw value.error("must be longer than zero") }
        return millis
    }

    private static func fraction(_ value: YAMLValue) throws -> Double {
        let number = try value.double()
        guard number > 0, number <= 1 else { throw value.error("must be in (0, 1]") }
        return number
    }

    private static func nonNegative(_ value: YAMLValue) throws -> Double {
        let number = try value.double()
        guard number >= 0 else { throw value.error("cannot be negative") }
        return number
    }
}
