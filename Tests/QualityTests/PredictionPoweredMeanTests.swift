import InfermonCore
import InfermonTesting
import Quality
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct PredictionPoweredMeanTests {
    /// A binary scorer: P(called hallucinated | truth).
    struct SimulatedScorer: Sendable {
        var name: String
        var truePositiveRate: Double
        var falsePositiveRate: Double
    }

    static let scorers = [
        SimulatedScorer(name: "random", truePositiveRate: 0.3, falsePositiveRate: 0.3),
        // What issue 18 measured on dialogue: calls nearly everything hallucinated.
        SimulatedScorer(name: "biased", truePositiveRate: 0.95, falsePositiveRate: 0.89),
        SimulatedScorer(name: "medium", truePositiveRate: 0.7, falsePositiveRate: 0.15),
        SimulatedScorer(name: "good", truePositiveRate: 0.9, falsePositiveRate: 0.03),
    ]

    struct Cell: CustomStringConvertible {
        var rate: Double
        var scorer: String
        var gold: Int
        var coverage: Double
        var goldOnlyCoverage: Double
        var widthRatio: Double
        var description: String {
            "| \(rate) | \(scorer) | \(gold) | \(coverage) | \(goldOnlyCoverage) | \((widthRatio * 1000).rounded() / 1000) |"
        }
    }

    /// `trials` seeded draws of one setting: N sampled events scored, the first
    /// `gold` of them also gold-labelled. Returns coverage of the planted rate
    /// and the mean width of the PPI interval over the gold-only Wilson interval.
    static func simulate(
        rate: Double, scorer: SimulatedScorer, gold: Int, sampled: Int = 1000, trials: Int, seed: UInt64
    ) -> Cell {
        var random = SeededRandom(seed: seed)
        let calledRate = rate * scorer.truePositiveRate + (1 - rate) * scorer.falsePositiveRate
        let unlabelledCalls = BinomialSampler(n: sampled - gold, p: calledRate)
        var covered = 0
        var goldCovered = 0
        var widthRatioSum = 0.0
        for _ in 0..<trials {
            var pairs = PairedMoments()
            for _ in 0..<gold {
                let truth = Double.random(in: 0..<1, using: &random) < rate
                let call =
                    Double.random(in: 0..<1, using: &random)
                    < (truth ? scorer.truePositiveRate : scorer.falsePositiveRate)
                pairs.add(gold: truth ? 1 : 0, prediction: call ? 1 : 0)
            }
            let calls = unlabelledCalls.draw(Double.random(in: 0..<1, using: &random))
            var unlabelled = Moments()
            unlabelled.count = sampled - gold
            unlabelled.sum = Double(calls)
            unlabelled.sumOfSquares = Double(calls)
            let result = PredictionPoweredMean.estimate(gold: pairs, unlabelled: unlabelled)!
            if result.interval.contains(rate) { covered += 1 }
            let wilson = WilsonInterval(successes: Int(pairs.gold.sum), trials: gold)
            if wilson.contains(rate) { goldCovered += 1 }
            widthRatioSum += result.interval.width / (wilson.upper - wilson.lower)
        }
        return Cell(
            rate: rate, scorer: scorer.name, gold: gold, coverage: Double(covered) / Double(trials),
            goldOnlyCoverage: Double(goldCovered) / Double(trials), widthRatio: widthRatioSum / Double(trials))
    }

    /// The acceptance test: planted truth, scorers from useless to good,
    /// 30 to 300 gold labels, 2,000 seeded trials each; every 95 % interval
    /// covers the truth in at least 94 % of trials, and a good scorer narrows it.
    @Test func coverageHoldsForEveryScorerAndGoldSize() {
        var cells: [Cell] = []
        var seed: UInt64 = 18
        for rate in [0.05, 0.2] {
            for scorer in Self.scorers {
                for gold in [30, 100, 300] {
                    seed += 1
                    cells.append(Self.simulate(rate: rate, scorer: scorer, gold: gold, trials: 2000, seed: seed))
                }
            }
        }
        print("| true rate | scorer | gold labels | PPI coverage | gold-only coverage | width PPI / gold-only |")
        for cell in cells { print(cell) }
        for cell in cells {
            #expect(cell.coverage >= 0.94, "\(cell)")
        }
        for cell in cells where cell.scorer == "good" && cell.gold >= 100 {
            #expect(cell.widthRatio < 0.85, "a good scorer must narrow the interval: \(cell)")
        }
        for cell in cells where cell.scorer == "random" && cell.gold >= 100 {
            #expect(cell.widthRatio < 1.1, "a useless scorer must cost little: \(cell)")
        }
    }

    @Test func uselessScorerFallsBackToTheGoldMean() {
        var gold = PairedMoments()
        // Gold 1 on a third, scorer constant: λ must be 0 and the estimate the gold mean.
        for index in 0..<90 { gold.add(gold: index % 3 == 0 ? 1 : 0, prediction: 0.5) }
        var unlabelled = Moments()
        for _ in 0..<500 { unlabelled.add(0.5) }
        let result = PredictionPoweredMean.estimate(gold: gold, unlabelled: unlabelled)!
        #expect(result.lambda == 0)
        #expect(abs(result.interval.estimate - 1.0 / 3) < 1e-12)
        #expect(result.interval.lower < 1.0 / 3 && result.interval.upper > 1.0 / 3)
    }

    @Test func perfectScorerUsesTheUnlabelledEvents() {
        var gold = PairedMoments()
        for index in 0..<50 {
            let y: Double = index % 5 == 0 ? 1 : 0
            gold.add(gold: y, prediction: y)
        }
        var unlabelled = Moments()
        for index in 0..<5000 { unlabelled.add(index % 5 == 0 ? 1 : 0) }
        let result = PredictionPoweredMean.estimate(gold: gold, unlabelled: unlabelled)!
        // λ = Cov/((1 + n/N)·Var) = 1/(1 + 50/5000): nearly all weight on the 5,000 scored events.
        #expect(abs(result.lambda - 1 / 1.01) < 0.01)
        #expect(abs(result.interval.estimate - 0.2) < 0.01)
        // Worth more than five times its 50 gold labels; the pseudo-observations
        // that keep small gold sets honest cap the gain (about 330, not 5,000).
        #expect(result.effectiveSampleSize > 250)
        #expect(result.interval.width < 0.1)
    }

    @Test func biasedScorerIsCorrectedByTheGoldSet() {
        // The scorer says 90 % on everything; the truth is 10 %.
        var gold = PairedMoments()
        for index in 0..<200 {
            let y: Double = index % 10 == 0 ? 1 : 0
            gold.add(gold: y, prediction: index % 10 == 9 ? 0 : 1)
        }
        var unlabelled = Moments()
        for index in 0..<2000 { unlabelled.add(index % 10 == 9 ? 0 : 1) }
        let result = PredictionPoweredMean.estimate(gold: gold, unlabelled: unlabelled)!
        #expect(result.interval.contains(0.1))
        #expect(result.interval.upper < 0.2)
    }

    @Test func noIntervalBelowTwoGoldLabels() {
        var gold = PairedMoments()
        gold.add(gold: 1, prediction: 1)
        #expect(PredictionPoweredMean.estimate(gold: gold, unlabelled: Moments()) == nil)
    }

    @Test func quantilesMatchTables() {
        #expect(abs(NormalQuantile.quantile(0.975) - 1.959964) < 1e-6)
        #expect(abs(NormalQuantile.quantile(0.005) + 2.575829) < 1e-6)
        // t tables: df 29 → 2.045, df 99 → 1.984, df 9 → 2.262.
        #expect(abs(StudentT.quantile(probability: 0.975, degreesOfFreedom: 29) - 2.0452) < 1e-3)
        #expect(abs(StudentT.quantile(probability: 0.975, degreesOfFreedom: 99) - 1.9842) < 1e-3)
        #expect(abs(StudentT.quantile(probability: 0.975, degreesOfFreedom: 9) - 2.2622) < 3e-3)
    }

    @Test func cohensKappaAndErrorRates() {
        // 20 TP, 10 FP, 60 TN, 10 FN: observed 0.8, chance 0.3·0.3 + 0.7·0.7 = 0.58.
        var agreement = ScorerAgreement()
        for _ in 0..<20 { agreement.add(gold: true, scorer: true) }
        for _ in 0..<10 { agreement.add(gold: false, scorer: true) }
        for _ in 0..<60 { agreement.add(gold: false, scorer: false) }
        for _ in 0..<10 { agreement.add(gold: true, scorer: false) }
        #expect(abs(agreement.kappa! - (0.8 - 0.58) / 0.42) < 1e-12)
        #expect(abs(agreement.falsePositiveRate.estimate! - 10.0 / 70) < 1e-12)
        #expect(abs(agreement.falseNegativeRate.estimate! - 10.0 / 30) < 1e-12)
        #expect(ScorerAgreement(gold: [true, true], scorer: [true, true]).kappa == nil)
    }

    @Test func calibrationFindsTheSeparatingThresholdAndAMonotoneProbability() {
        // Hallucinated responses score 0.6–0.9, supported ones 0.3–0.55: the
        // shipped threshold 0.2 calls everything hallucinated.
        var scores: [Double] = []
        var gold: [Bool] = []
        for index in 0..<40 {
            scores.append(0.3 + Double(index % 6) * 0.05)
            gold.append(false)
            if index % 2 == 0 {
                scores.append(0.6 + Double(index % 7) * 0.05)
                gold.append(true)
            }
        }
        let calibration = ScoreCalibration.fit(model: "m", route: "/r", scores: scores, gold: gold, fittedAt: 0)!
        #expect(calibration.threshold > 0.55 && calibration.threshold < 0.6)
        #expect(calibration.probability(0.9) > 0.9)
        #expect(calibration.probability(0.3) < 0.1)
        #expect(calibration.slope > 0)
        #expect(
            ScoreCalibration.fit(model: "m", route: "/r", scores: [0.1, 0.2], gold: [true, false], fittedAt: 0) == nil)
    }
}
