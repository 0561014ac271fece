import Canary
import InfermonCore
import Testing

/// The error guarantees, by seeded simulation of whole rollouts monitored request
/// by request (the statistics are asymptotic; these runs are the proof that
/// matters at the sample sizes a canary sees). Bigger runs: `infermon-bench canary`.
@Suite("Canary error rates by simulation")
struct SimulationTests {
    /// 1,000 rollouts of 1,200 requests with no difference between the versions:
    /// the always-valid tests (errors and p99 latency, alpha 0.05 family-wise)
    /// roll back at most alpha of them although every request is a look.
    @Test func underNoDifferenceRollbackStaysBelowAlpha() {
        var simulation = CanarySimulation()
        simulation.requests = 1200
        simulation.warmup = 200
        let summary = simulation.summarize(rollouts: 1000, naive: false)
        #expect(summary.rollbackRate <= simulation.alpha, "rollback rate \(summary.rollbackRate)")
    }

    /// The naive comparison on the same footing (one metric, a 10 % error rate in
    /// both arms, alpha 0.05): a fixed-sample z-test looked at every 50 requests
    /// rolls back far more than alpha of 200 rollouts; the always-valid test does not.
    @Test func peekingAtAFixedSampleTestDoesNot() {
        var simulation = CanarySimulation()
        simulation.requests = 2000
        simulation.metrics = [.errors]
        simulation.baselineErrorRate = 0.1
        simulation.candidateErrorRate = 0.1
        simulation.peekEvery = 50
        let summary = simulation.summarize(rollouts: 200)
        #expect(summary.naiveRate > 2 * simulation.alpha, "naive rate \(summary.naiveRate)")
        #expect(summary.rollbackRate <= simulation.alpha, "rollback rate \(summary.rollbackRate)")
    }

    /// p99 latency 20 % higher (every latency scaled by 1.2): rolled back in
    /// nearly every rollout, and the sample size needed is reported.
    @Test func twentyPercentSlowerP99IsRolledBack() {
        var simulation = CanarySimulation()
        simulation.requests = 16000
        simulation.latencyFactor = 1.2
        let summary = simulation.summarize(rollouts: 20, naive: false)
        #expect(summary.rollbackRate >= 0.9, "rolled back \(summary.rollbackRate)")
        let median = summary.quantile(0.5) ?? .max
        #expect(median < 4000, "median candidate requests at rollback \(median)")
    }

    /// Two points more errors (1 % → 3 %): rolled back in nearly every rollout.
    @Test func twoMorePointsOfErrorsAreRolledBack() {
        var simulation = CanarySimulation()
        simulation.requests = 6000
        simulation.candidateErrorRate = 0.03
        let summary = simulation.summarize(rollouts: 50, naive: false)
        #expect(summary.rollbackRate >= 0.9, "rolled back \(summary.rollbackRate)")
        let median = summary.quantile(0.5) ?? .max
        #expect(median < 2000, "median candidate requests at rollback \(median)")
    }

    /// The boundary itself: a mixture SPRT radius shrinks with the variance, grows
    /// as alpha falls, and is wider than the fixed-sample interval at the same variance.
    @Test func theBoundaryIsWiderThanAFixedSampleInterval() {
        let variance = 0.01 * 0.99 * 2 / 1000
        let radius = MixtureBoundary.radius(variance: variance, tau: 0.01, alpha: 0.05)
        let fixed = NormalDistribution.quantile(0.975) * variance.squareRoot()
        #expect(radius > fixed)
        #expect(MixtureBoundary.radius(variance: variance / 4, tau: 0.01, alpha: 0.05) < radius)
        #expect(MixtureBoundary.radius(variance: variance, tau: 0.01, alpha: 0.01) > radius)
        #expect(abs(NormalDistribution.quantile(0.975) - 1.959964) < 1e-5)
        #expect(abs(NormalDistribution.quantile(0.0125) + 2.241403) < 1e-5)
    }
}

/// The sample-ratio check and its verdict.
@Suite("Canary sample ratio")
struct SampleRatioTests {
    /// 500 rollouts at the configured share: the Bayes factor reaches 1/alpha in
    /// at most alpha of them (it is exact, a martingale); a 40 % share configured
    /// as 50 % is caught.
    @Test func falseAlarmsStayBelowAlphaAndAMismatchIsCaught() {
        var random = SeededRandom(seed: 11)
        var falseAlarms = 0
        for _ in 0..<500 {
            var test = SampleRatioTest(expectedShare: 0.1)
            for _ in 0..<2000 { test.add(candidate: random.chance(0.1)) }
            if test.rejected(alpha: 0.05) { falseAlarms += 1 }
        }
        #expect(Double(falseAlarms) / 500 <= 0.05, "\(falseAlarms) false alarms")
        var mismatch = SampleRatioTest(expectedShare: 0.5)
        for _ in 0..<2000 { mismatch.add(candidate: random.chance(0.4)) }
        #expect(mismatch.rejected(alpha: 0.001))
    }

    @Test func aMismatchedSplitMakesTheVerdictInvalid() {
        var simulation = CanarySimulation()
        simulation.candidateShare = 0.3
        var definition = simulation.definition
        definition.trafficShare = 0.5
        let report = CanaryEvaluator.evaluate(simulation.observations(seed: 3), definition: definition)
        #expect(report.verdict == .invalid, "\(report.reason)")
        #expect(report.verdict.exitCode == 3)
        definition.trafficShare = 0.3
        let fine = CanaryEvaluator.evaluate(simulation.observations(seed: 3), definition: definition)
        #expect(fine.verdict != .invalid)
    }
}
