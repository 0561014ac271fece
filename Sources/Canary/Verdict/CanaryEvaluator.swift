public import InfermonCore

/// One request of either arm, as the canary reads it. Missing numbers are NaN.
public struct CanaryObservation: Sendable, Equatable {
    public var timestamp: Timestamp
    public var candidate: Bool
    public var failed: Bool
    public var latency: Double
    public var ttft: Double
    public var cost: Double
    public var feedback: Double
    public var promptTokens: Double
    public var completionTokens: Double
    public var tenant: String
    /// "" when the request had none.
    public var requestID: String
    public var prediction: String?
    /// 1 judged hallucinated, 0 judged supported, NaN not judged.
    public var hallucinated: Double

    public init(
        timestamp: Timestamp, candidate: Bool, failed: Bool = false, latency: Double = .nan, ttft: Double = .nan,
        cost: Double = .nan, feedback: Double = .nan, promptTokens: Double = .nan, completionTokens: Double = .nan,
        tenant: String = "", requestID: String = "", prediction: String? = nil, hallucinated: Double = .nan
    ) {
        self.hallucinated = hallucinated
        self.timestamp = timestamp
        self.candidate = candidate
        self.failed = failed
        self.latency = latency
        self.ttft = ttft
        self.cost = cost
        self.feedback = feedback
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.tenant = tenant
        self.requestID = requestID
        self.prediction = prediction
    }

    func value(_ field: CanaryField) -> Double {
        switch field {
        case .latency: latency
        case .ttft: ttft
        case .cost: cost
        case .promptTokens: promptTokens
        case .completionTokens: completionTokens
        }
    }
}

/// The overall decision.
public enum CanaryVerdict: String, Sendable, CaseIterable, Codable {
    case promote
    case hold
    case rollback
    /// The traffic split is not what was configured: no comparison can be trusted.
    case invalid

    /// The exit status of `infermon canary`: 0 promote, 1 hold, 2 rollback, 3 invalid.
    public var exitCode: Int32 {
        switch self {
        case .promote: 0
        case .hold: 1
        case .rollback: 2
        case .invalid: 3
        }
    }
}

/// What one metric's test says now.
public enum CanaryMetricStatus: String, Sendable, Codable {
    /// Neither arm had a value.
    case noData = "no_data"
    /// Fewer than the minimum per arm (or the baseline warm-up is not over).
    case notEnoughData = "not_enough_data"
    /// The confidence sequence left zero on the bad side at some point: rollback.
    case worse
    /// The whole interval is below the margin: not worse by more than it.
    case notWorse = "not_worse"
    /// Neither yet.
    case undecided
}

/// One metric's result.
public struct CanaryMetricResult: Sendable, Equatable, Codable {
    public var metric: String
    public var status: CanaryMetricStatus
    /// Which difference is tested: `candidate − baseline`, oriented so that positive is worse.
    public var tested: String
    public var estimate: Double?
    public var lower: Double?
    public var upper: Double?
    public var margin: Double
    public var baselineSamples: Int
    public var candidateSamples: Int
    /// Descriptive values of each arm (rate, quantile or mean) over the tested events.
    public var baselineValue: Double?
    public var candidateValue: Double?
    /// When the test first rejected: the candidate's sample size then, and the time.
    public var decidedAtCandidateSamples: Int?
    public var decidedAtBaselineSamples: Int?
    public var decidedAt: Timestamp?
    public var paired: Bool
}

/// A canary's report at one moment.
public struct CanaryReport: Sendable, Equatable, Codable {
    public var name: String
    public var verdict: CanaryVerdict
    public var reason: String
    public var baselineRequests: Int
    public var candidateRequests: Int
    /// `split` (independent arms) or `shadow` (requests paired by request id).
    public var mode: String
    public var pairs: Int
    public var alpha: Double
    /// Bonferroni: alpha divided by the number of metrics.
    public var alphaPerMetric: Double
    public var expectedShare: Double?
    public var observedShare: Double?
    /// The log Bayes factor of the sample-ratio check (rejects at log(1/srm_alpha)).
    public var sampleRatioLogBayesFactor: Double?
    public var metrics: [CanaryMetricResult]
    /// Per-tenant reports, when asked for.
    public var tenants: [String: CanaryReport]?
}

/// Runs every test of a canary over the rollout's requests in time order, the
/// way continuous monitoring sees them: each metric's confidence sequence is
/// checked after every request it gets a value from, and a rejection stays.
public enum CanaryEvaluator {
    public static func evaluate(_ observations: [CanaryObservation], definition: CanaryDefinition) -> CanaryReport {
        let metrics = definition.metrics
        let alphaPerMetric = definition.alpha / Double(max(metrics.count, 1))
        let baselineCount = observations.reduce(0) { $0 + ($1.candidate ? 0 : 1) }
        let candidateCount = observations.count - baselineCount

        // Shadow traffic: most candidate requests have a baseline twin.
        var pairs = 0
        var shadow = false
        if definition.pairing, candidateCount > 0 {
            var baselineIDs = Set<String>()
            for observation in observations where !observation.candidate && !observation.requestID.isEmpty {
                baselineIDs.insert(observation.requestID)
            }
            for observation in observations where observation.candidate && baselineIDs.contains(observation.requestID) {
                pairs += 1
            }
            shadow = Double(pairs) >= 0.5 * Double(candidateCount)
        }

        // The sample-ratio check (split traffic only: shadow traffic serves every request twice).
        var ratio: SampleRatioTest?
        if let share = definition.trafficShare, !shadow {
            var test = SampleRatioTest(expectedShare: share)
            for observation in observations { test.add(candidate: observation.candidate) }
            ratio = test
        }

        // Calibration from the baseline's first `warmup` requests.
        var calibrationEnd = -1
        var seen = 0
        for (index, observation) in observations.enumerated() where !observation.candidate {
            seen += 1
            if seen == definition.warmup {
                calibrationEnd = index
                break
            }
        }
        if definition.warmup <= 0 { calibrationEnd = -1 }
        let calibrated = definition.warmup <= 0 || calibrationEnd >= 0
        let warmupSlice = calibrationEnd >= 0 ? Array(observations[0...calibrationEnd]) : []

        var states = metrics.map { metric in
            MetricState(
                metric: metric, definition: definition, alpha: alphaPerMetric, shadow: shadow,
                calibration: warmupSlice.filter { !$0.candidate })
        }
        var pending: [String: CanaryObservation] = [:]
        for (index, observation) in observations.enumerated() {
            var twin: CanaryObservation?
            if shadow, !observation.requestID.isEmpty {
                if let other = pending.removeValue(forKey: observation.requestID),
                    other.candidate != observation.candidate
                {
                    twin = other
                } else {
                    pending[observation.requestID] = observation
                }
            }
            for slot in states.indices {
                if states[slot].metric.needsCalibration && (!calibrated || index <= calibrationEnd) { continue }
                states[slot].observe(observation, twin: twin)
            }
        }
        let tested = calibrationEnd >= 0 ? observations[(calibrationEnd + 1)...] : observations[...]
        let results = states.map { $0.result(calibrated: calibrated, tested: tested) }

        let verdict: CanaryVerdict
        let reason: String
        if let ratio, ratio.rejected(alpha: definition.srmAlpha) {
            verdict = .invalid
            reason =
                "sample ratio mismatch: the candidate has \(percent(ratio.observedShare)) of the traffic, configured \(percent(ratio.expectedShare))"
        } else if let worse = results.first(where: { $0.status == .worse }) {
            verdict = .rollback
            let others = results.filter { $0.status == .worse }.map(\.metric)
            reason = "candidate worse on \(others.joined(separator: ", ")) (first: \(worse.metric))"
        } else if results.contains(where: { $0.status != .noData })
            && results.allSatisfy({ $0.status == .notWorse || $0.status == .noData })
        {
            verdict = .promote
            reason = "candidate not worse than the margin on every metric"
        } else {
            verdict = .hold
            let open = results.filter { $0.status == .undecided || $0.status == .notEnoughData }.map(\.metric)
            reason = open.isEmpty ? "no data" : "undecided: \(open.joined(separator: ", "))"
        }
        return CanaryReport(
            name: definition.name, verdict: verdict, reason: reason, baselineRequests: baselineCount,
            candidateRequests: candidateCount, mode: shadow ? "shadow" : "split", pairs: pairs, alpha: definition.alpha,
            alphaPerMetric: alphaPerMetric, expectedShare: ratio?.expectedShare,
            observedShare: ratio.map(\.observedShare), sampleRatioLogBayesFactor: ratio?.maximumLogBayesFactor,
            metrics: results, tenants: nil)
    }

    /// The report overall, and for each tenant on its own.
    public static func evaluate(
        _ observations: [CanaryObservation], definition: CanaryDefinition, byTenant: Bool
    ) -> CanaryReport {
        var report = evaluate(observations, definition: definition)
        guard byTenant else { return report }
        var groups: [String: [CanaryObservation]] = [:]
        for observation in observations { groups[observation.tenant, default: []].append(observation) }
        report.tenants = groups.mapValues { evaluate($0, definition: definition) }
        return report
    }

    static func percent(_ share: Double) -> String {
        share.isFinite ? String(Double((share * 1000).rounded()) / 10) + " %" : "?"
    }
}

/// One metric's running test.
struct MetricState {
    let metric: CanaryMetric
    let alpha: Double
    let minimum: Int
    let paired: Bool
    /// The quantile or median threshold, or the baseline's mean (the scale of a relative margin).
    var threshold = Double.nan
    var margin: Double
    var tau: Double
    var twoSample: TwoSampleMeans
    var pairedMeans = PairedMeans()
    var agreementCount = RunningMoments()
    /// Sums of each arm's paired values, for the means shown.
    var baselineSum = 0.0
    var candidateSum = 0.0
    var decided: (candidate: Int, baseline: Int, at: Timestamp)?
    var hasData = false

    init(
        metric: CanaryMetric, definition: CanaryDefinition, alpha: Double, shadow: Bool,
        calibration: [CanaryObservation]
    ) {
        self.metric = metric
        self.alpha = alpha
        self.minimum = max(definition.minimumSamples, 2)
        let margin = definition.margin(metric)
        self.margin = margin
        self.tau = margin
        switch metric {
        case .errors:
            paired = shadow
            twoSample = TwoSampleMeans(kind: .proportion)
        case .feedback:
            paired = false
            twoSample = TwoSampleMeans(kind: .mean)
        case .hallucination:
            paired = false
            twoSample = TwoSampleMeans(kind: .proportion)
        case .agreement:
            paired = true
            twoSample = TwoSampleMeans(kind: .proportion)
        case .quantile(let field, let q):
            paired = false
            twoSample = TwoSampleMeans(kind: .proportion)
            let values = calibration.filter { !$0.failed }.map { $0.value(field) }.filter { $0.isFinite }.sorted()
            if !values.isEmpty { threshold = values[min(values.count - 1, Int((Double(values.count) * q)))] }
            // The tail share above the baseline's quantile is 1 − q; the margin is relative to it.
            self.margin = (1 - q) * margin
            self.tau = self.margin
        case .mean(let field):
            paired = shadow
            twoSample = TwoSampleMeans(kind: .mean)
            let values = calibration.filter { !$0.failed }.map { $0.value(field) }.filter { $0.isFinite }
            if !values.isEmpty { threshold = values.reduce(0, +) / Double(values.count) }
            self.margin = margin * abs(threshold)
            self.tau = self.margin > 0 ? self.margin : 1e-9
        case .drift(let field):
            paired = false
            twoSample = TwoSampleMeans(kind: .proportion)
            let values = calibration.filter { !$0.failed }.map { $0.value(field) }.filter { $0.isFinite }.sorted()
            if !values.isEmpty { threshold = values[values.count / 2] }
        }
    }

    var baselineCount: Int { paired ? pairedCount : twoSample.baseline.count }
    var candidateCount: Int { paired ? pairedCount : twoSample.candidate.count }
    var pairedCount: Int { metric == .agreement ? agreementCount.count : pairedMeans.differences.count }

    /// The value this metric takes from one request, oriented so that larger is worse; nil when none.
    func value(_ observation: CanaryObservation) -> Double? {
        switch metric {
        case .errors: return observation.failed ? 1 : 0
        case .feedback: return observation.feedback.isFinite ? -observation.feedback : nil
        case .quantile(let field, _):
            let value = observation.value(field)
            guard !observation.failed, value.isFinite, threshold.isFinite else { return nil }
            return value > threshold ? 1 : 0
        case .mean(let field):
            let value = observation.value(field)
            guard !observation.failed, value.isFinite else { return nil }
            return value
        case .drift(let field):
            let value = observation.value(field)
            guard !observation.failed, value.isFinite, threshold.isFinite else { return nil }
            return value > threshold ? 1 : 0
        case .hallucination: return observation.hallucinated.isFinite ? observation.hallucinated : nil
        case .agreement: return nil
        }
    }

    mutating func observe(_ observation: CanaryObservation, twin: CanaryObservation?) {
        if paired {
            guard let twin else { return }
            let (baseline, candidate) = observation.candidate ? (twin, observation) : (observation, twin)
            if metric == .agreement {
                guard let a = baseline.prediction, let b = candidate.prediction else { return }
                agreementCount.add(a == b ? 0 : 1)
            } else {
                guard let a = value(baseline), let b = value(candidate) else { return }
                pairedMeans.add(baseline: a, candidate: b)
                baselineSum += a
                candidateSum += b
            }
            hasData = true
            check(at: observation.timestamp)
            return
        }
        guard let value = value(observation) else { return }
        hasData = true
        twoSample.add(value, candidate: observation.candidate)
        check(at: observation.timestamp)
    }

    /// The current confidence sequence (positive: worse).
    func interval() -> DifferenceInterval? {
        if paired {
            if metric == .agreement {
                guard agreementCount.count >= 2 else { return nil }
                let n = Double(agreementCount.count)
                let smoothed = (agreementCount.mean * n + 1) / (n + 2)
                let radius = MixtureBoundary.radius(
                    variance: smoothed * (1 - smoothed) / n, tau: tau, alpha: alpha)
                // Tested against the margin: the disagreement beyond what is acceptable.
                let excess = agreementCount.mean - margin
                return DifferenceInterval(estimate: excess, lower: excess - radius, upper: excess + radius)
            }
            let floor = metric == .errors ? 0.01 * 0.99 : 0
            return pairedMeans.interval(alpha: alpha, tau: tau, varianceFloor: floor)
        }
        return twoSample.interval(alpha: alpha, tau: tau)
    }

    var twoSided: Bool {
        if case .drift = metric { return true }
        return false
    }

    mutating func check(at time: Timestamp) {
        guard decided == nil, baselineCount >= minimum, candidateCount >= minimum, let interval = interval() else {
            return
        }
        if interval.lower > 0 || (twoSided && interval.upper < 0) {
            decided = (candidateCount, baselineCount, time)
        }
    }

    func result(calibrated: Bool, tested observations: ArraySlice<CanaryObservation>) -> CanaryMetricResult {
        let current = interval()
        var status: CanaryMetricStatus
        if decided != nil {
            status = .worse
        } else if !hasData {
            status = metric.needsCalibration && !calibrated ? .notEnoughData : .noData
        } else if baselineCount < minimum || candidateCount < minimum || current == nil {
            status = .notEnoughData
        } else if let current,
            metric == .agreement
                ? current.upper < 0
                : (current.upper < margin && (!twoSided || current.lower > -margin))
        {
            status = .notWorse
        } else {
            status = .undecided
        }
        let (baselineValue, candidateValue) = describe(observations)
        return CanaryMetricResult(
            metric: metric.name, status: status, tested: tested, estimate: current?.estimate.finiteOrNil,
            lower: current?.lower.finiteOrNil, upper: current?.upper.finiteOrNil, margin: margin,
            baselineSamples: baselineCount, candidateSamples: candidateCount, baselineValue: baselineValue,
            candidateValue: candidateValue, decidedAtCandidateSamples: decided?.candidate,
            decidedAtBaselineSamples: decided?.baseline, decidedAt: decided?.at, paired: paired)
    }

    var tested: String {
        switch metric {
        case .errors: paired ? "paired difference of failure indicators" : "difference of error rates"
        case .quantile(_, let q):
            "difference of the shares above the baseline's p\(CanaryMetric.percentText(q)) (\(threshold.shortText))"
        case .mean: paired ? "mean paired difference" : "difference of means"
        case .feedback: "difference of mean feedback, sign flipped (positive: worse)"
        case .drift: "difference of the shares above the baseline's median (\(threshold.shortText)), two-sided"
        case .agreement: "disagreement rate minus the margin"
        case .hallucination: "difference of the judged hallucination rates"
        }
    }

    /// The arms' own values: quantiles of the tested requests, rates, means.
    func describe(_ observations: ArraySlice<CanaryObservation>) -> (Double?, Double?) {
        switch metric {
        case .quantile(let field, let q):
            func quantile(candidate: Bool) -> Double? {
                let sorted = observations.lazy.filter { $0.candidate == candidate && !$0.failed }
                    .map { $0.value(field) }.filter(\.isFinite).sorted()
                guard !sorted.isEmpty else { return nil }
                return sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]
            }
            return (quantile(candidate: false), quantile(candidate: true))
        case .agreement:
            return (nil, agreementCount.count > 0 ? 1 - agreementCount.mean : nil)
        case .feedback:
            return (
                twoSample.baseline.count > 0 ? -twoSample.baseline.mean : nil,
                twoSample.candidate.count > 0 ? -twoSample.candidate.mean : nil
            )
        default:
            if paired {
                let count = Double(pairedMeans.differences.count)
                return count > 0 ? (baselineSum / count, candidateSum / count) : (nil, nil)
            }
            return (
                twoSample.baseline.count > 0 ? twoSample.baseline.mean : nil,
                twoSample.candidate.count > 0 ? twoSample.candidate.mean : nil
            )
        }
    }
}

extension Double {
    var finiteOrNil: Double? { isFinite ? self : nil }

    var shortText: String {
        guard isFinite else { return "?" }
        if abs(self) >= 100 { return String(Int(self.rounded())) }
        return String(Double((self * 1000).rounded()) / 1000)
    }
}
