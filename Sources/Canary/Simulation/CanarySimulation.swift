import InfermonCore

#if canImport(Glibc)
    import Glibc
#endif

/// Seeded rollouts for proving the canary's error rates: a baseline with
/// log-normal latency and a fixed error rate, a candidate that may be slower
/// (every latency scaled, so every quantile moves by the same factor) or fail
/// more often, monitored request by request.
public struct CanarySimulation: Sendable {
    public var requests = 4000
    public var candidateShare = 0.5
    public var baselineErrorRate = 0.01
    public var candidateErrorRate = 0.01
    public var latencyFactor = 1.0
    public var medianLatency = 1.0
    public var latencySigma = 0.5
    public var metrics: [CanaryMetric] = [.errors, .quantile(.latency, 0.99)]
    public var alpha = 0.05
    public var warmup = 500
    public var minimumSamples = 100
    /// The naive comparison looks after every this many requests.
    public var peekEvery = 100

    public init() {}

    public func observations(seed: UInt64) -> [CanaryObservation] {
        // SplitMix64 walks one sequence: seeds k and k + 1 would start one draw apart and
        // give nearly the same rollout. A mixed seed starts each rollout far from the others.
        var mixer = SeededRandom(seed: seed)
        var random = SeededRandom(seed: mixer.next())
        var observations: [CanaryObservation] = []
        observations.reserveCapacity(requests)
        for index in 0..<requests {
            let candidate = random.chance(candidateShare)
            let failed = random.chance(candidate ? candidateErrorRate : baselineErrorRate)
            var latency = random.logNormal(median: medianLatency, sigma: latencySigma)
            if candidate { latency *= latencyFactor }
            observations.append(
                CanaryObservation(
                    timestamp: Timestamp(index), candidate: candidate, failed: failed, latency: latency))
        }
        return observations
    }

    public var definition: CanaryDefinition {
        var definition = CanaryDefinition(
            name: "simulated", baseline: CanarySelector(["model_version": "A"]),
            candidate: CanarySelector(["model_version": "B"]))
        definition.metrics = metrics
        definition.alpha = alpha
        definition.warmup = warmup
        definition.minimumSamples = minimumSamples
        definition.pairing = false
        return definition
    }

    /// One rollout under the always-valid tests.
    public func run(seed: UInt64) -> CanaryReport {
        CanaryEvaluator.evaluate(observations(seed: seed), definition: definition)
    }

    /// One rollout under the naive comparison: a fixed-sample one-sided z-test per
    /// metric at alpha/m (Bonferroni too, so only the peeking differs), repeated
    /// every `peekEvery` requests; true when any look rejected.
    public func naiveRollback(seed: UInt64) -> Bool {
        let observations = observations(seed: seed)
        let z = NormalDistribution.quantile(1 - alpha / Double(metrics.count))
        let baselineLatencies = observations.prefix { _ in true }.filter { !$0.candidate }.prefix(warmup).map(\.latency)
            .sorted()
        let warmupEnd = observations.indices.filter { !observations[$0].candidate }.dropFirst(warmup - 1).first ?? 0
        var tests = metrics.map { _ in TwoSampleMeans(kind: .proportion) }
        for (index, observation) in observations.enumerated() {
            for (slot, metric) in metrics.enumerated() {
                switch metric {
                case .errors: tests[slot].add(observation.failed ? 1 : 0, candidate: observation.candidate)
                case .quantile(_, let q):
                    guard index > warmupEnd, !observation.failed else { continue }
                    let threshold = baselineLatencies[
                        min(baselineLatencies.count - 1, Int(Double(baselineLatencies.count) * q))]
                    tests[slot].add(observation.latency > threshold ? 1 : 0, candidate: observation.candidate)
                default: continue
                }
            }
            guard (index + 1) % peekEvery == 0 else { continue }
            for test in tests where test.baseline.count >= minimumSamples && test.candidate.count >= minimumSamples {
                // One-sided at alpha/m: the candidate's rate is higher.
                if let interval = test.fixedSampleInterval(z: z), interval.lower > 0 { return true }
            }
        }
        return false
    }

    /// Rollback rates and sample sizes over `rollouts` seeded rollouts.
    public struct Summary: Sendable {
        public var rollouts: Int
        public var rollbacks: Int
        public var naiveRollbacks: Int
        /// The candidate's sample size when the first metric rejected, per rolled-back rollout (sorted).
        public var candidateSamplesAtRollback: [Int]

        public var rollbackRate: Double { Double(rollbacks) / Double(max(rollouts, 1)) }
        public var naiveRate: Double { Double(naiveRollbacks) / Double(max(rollouts, 1)) }

        public func quantile(_ q: Double) -> Int? {
            candidateSamplesAtRollback.isEmpty
                ? nil
                : candidateSamplesAtRollback[
                    min(candidateSamplesAtRollback.count - 1, Int(Double(candidateSamplesAtRollback.count) * q))]
        }
    }

    public func summarize(rollouts: Int, firstSeed: UInt64 = 1, naive: Bool = true) -> Summary {
        var rollbacks = 0
        var naiveRollbacks = 0
        var sizes: [Int] = []
        for seed in firstSeed..<(firstSeed + UInt64(rollouts)) {
            let report = run(seed: seed)
            if report.verdict == .rollback {
                rollbacks += 1
                if let size = report.metrics.compactMap(\.decidedAtCandidateSamples).min() { sizes.append(size) }
            }
            if naive && naiveRollback(seed: seed) { naiveRollbacks += 1 }
        }
        return Summary(
            rollouts: rollouts, rollbacks: rollbacks, naiveRollbacks: naiveRollbacks,
            candidateSamplesAtRollback: sizes.sorted())
    }
}
