import InfermonCore
public import InfermonYAML

/// The `detectors:` section: scheduled drift, outlier, anomaly and quality
/// detection inside `infermon serve`, decoded into `DetectorOptions` with the
/// defaults of its initializer.
///
/// ```yaml
/// detectors:
///   interval: 1m
///   window: 1h
///   reference: {previous: 1d}     # or {from: …, to: …} (RFC 3339), or {baseline: name}
///   alpha: 0.005
///   min_samples: 50
///   bootstrap: 100
///   thresholds: {wasserstein: 0.1, psi: 0.1, jensenshannon: 0.1}
///   tests: {latency: ks}
///   exclude: [tenant]
///   group_by: [tenant]
///   outlier_cut: 3.5
///   anomaly: {smoothing: 0.3, seasonal_smoothing: 0.2, utc_offset_hours: 0}
///   change_point: {k: 0.5, h: 8, warmup: 20, min_scale: 0.01}
///   judge_score_feature: judge_score
///   max_events_per_model: 200000
/// ```
extension DetectorOptions {
    public init(yaml value: YAMLValue) throws {
        self.init()
        let map = try value.mapping(allowed: [
            "enabled", "interval", "window", "reference", "alpha", "min_samples", "bootstrap", "thresholds", "tests",
            "exclude", "group_by", "outlier_cut", "anomaly", "change_point", "judge_score_feature",
            "max_events_per_model",
        ])
        if let enabled = map["enabled"] { self.enabled = try enabled.bool() }
        if let interval = map["interval"] { self.interval = try interval.positiveDuration() }
        if let window = map["window"] { self.window = try window.positiveDuration() }
        if let reference = map["reference"] { self.reference = try Self.reference(reference) }
        if let alpha = map["alpha"] {
            drift.alpha = try alpha.double()
            guard drift.alpha > 0, drift.alpha < 1 else { throw alpha.error("alpha must be between 0 and 1") }
        }
        if let minimum = map["min_samples"] { drift.minimumSamples = try minimum.int(in: 2...10_000_000) }
        if let bootstrap = map["bootstrap"] { drift.bootstrapReplicates = try bootstrap.int(in: 0...100_000) }
        if let thresholds = map["thresholds"] {
            let distances = DriftTest.allCases.filter { !$0.isPValueTest }
            for (name, threshold) in try thresholds.entries() {
                guard let test = distances.first(where: { $0.rawValue == name }) else {
                    throw threshold.error(
                        "thresholds apply to \(distances.map(\.rawValue).joined(separator: ", ")), not \"\(name)\"")
                }
                let number = try threshold.double()
                guard number >= 0 else { throw threshold.error("a threshold cannot be negative") }
                drift.floors[test] = number
            }
        }
        if let tests = map["tests"] {
            for (field, test) in try tests.entries() { drift.overrides[field] = try test.oneOf(DriftTest.self) }
        }
        if let exclude = map["exclude"] { excludedFields = Set(try exclude.stringList()) }
        if let labels = map["group_by"] {
            groupBy = try labels.stringList()
            for label in groupBy where !Self.groupableLabels.contains(label) {
                throw labels.error(
                    "drift can be grouped by \(Self.groupableLabels.joined(separator: ", ")), not \"\(label)\"")
            }
        }
        if let cut = map["outlier_cut"] {
            outlierCut = try cut.double()
            guard outlierCut > 0 else { throw cut.error("must be positive") }
        }
        if let anomaly = map["anomaly"] {
            let fields = try anomaly.mapping(allowed: ["smoothing", "seasonal_smoothing", "utc_offset_hours"])
            if let smoothing = fields["smoothing"] { anomalySmoothing = try Self.fraction(smoothing) }
            if let smoothing = fields["seasonal_smoothing"] { seasonal.smoothing = try Self.fraction(smoothing) }
            if let offset = fields["utc_offset_hours"] { seasonal.utcOffsetHours = try offset.int(in: -14...14) }
        }
        if let change = map["change_point"] {
            let fields = try change.mapping(allowed: ["k", "h", "warmup", "min_scale"])
            if let k = fields["k"] { changePoint.k = try Self.nonNegative(k) }
            if let h = fields["h"] { changePoint.h = try Self.nonNegative(h) }
            if let warmup = fields["warmup"] { changePoint.warmup = try warmup.int(in: 2...100_000) }
            if let scale = fields["min_scale"] { changePoint.minimumScale = try Self.nonNegative(scale) }
        }
        if let feature = map["judge_score_feature"] { judgeScoreFeature = try feature.string() }
        if let maximum = map["max_events_per_model"] { maximumEventsPerModel = try maximum.int(in: 100...100_000_000) }
    }

    private static func reference(_ value: YAMLValue) throws -> Reference {
        let map = try value.mapping(allowed: ["previous", "from", "to", "baseline"])
        let given = ["previous", "from", "baseline"].filter { map[$0] != nil }
        guard given.count == 1 else {
            throw value.error(
                "give exactly one of previous: <duration>, from:/to: <RFC 3339 times>, or baseline: <name>")
        }
        if let previous = map["previous"] { return .previousPeriod(length: try previous.positiveDuration()) }
        if let baseline = map["baseline"] { return .baseline(name: try baseline.string()) }
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
