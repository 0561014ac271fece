import ArgumentParser
import Foundation
import InfermonCore
import InfermonTesting
import Quality

/// `infermon-bench ppi`: the coverage simulation of `PredictionPoweredMeanTests`
/// at sizes too slow for the test suite: more trials, more true rates (down to
/// 1 %), more gold-set sizes. Planted truth, binary scorers from useless to
/// good; coverage of the 95 % intervals and the mean width against gold-only.
struct BenchPPI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ppi",
        abstract: "Coverage and width of the prediction-powered hallucination rate, by seeded simulation.")

    @Option(help: "Trials per setting.") var trials = 10_000
    @Option(help: "Scored (sampled) events per trial.") var sampled = 1000
    @Option(help: "True rates, comma-separated.") var rates = "0.01,0.05,0.2,0.5"
    @Option(help: "Gold-set sizes, comma-separated.") var gold = "30,100,300"
    @Option(help: "Random seed.") var seed: UInt64 = 18

    struct Scorer {
        var name: String
        var truePositiveRate: Double
        var falsePositiveRate: Double
    }

    static let scorers = [
        Scorer(name: "random", truePositiveRate: 0.3, falsePositiveRate: 0.3),
        Scorer(name: "biased", truePositiveRate: 0.95, falsePositiveRate: 0.89),
        Scorer(name: "medium", truePositiveRate: 0.7, falsePositiveRate: 0.15),
        Scorer(name: "good", truePositiveRate: 0.9, falsePositiveRate: 0.03),
    ]

    func run() throws {
        let rateList = rates.split(separator: ",").compactMap { Double($0) }
        let goldList = gold.split(separator: ",").compactMap { Int($0) }
        guard !rateList.isEmpty, !goldList.isEmpty, goldList.allSatisfy({ $0 >= 2 && $0 < sampled }) else {
            throw ValidationError("need rates and gold sizes between 2 and --sampled")
        }
        print("| true rate | scorer | gold | PPI coverage | gold-only coverage | width PPI / gold-only |")
        print("|---|---|---|---|---|---|")
        var random = SeededRandom(seed: seed)
        var worst = 1.0
        for rate in rateList {
            for scorer in Self.scorers {
                for size in goldList {
                    let called = rate * scorer.truePositiveRate + (1 - rate) * scorer.falsePositiveRate
                    let unlabelled = BinomialSampler(n: sampled - size, p: called)
                    var covered = 0
                    var goldCovered = 0
                    var ratio = 0.0
                    for _ in 0..<trials {
                        var pairs = PairedMoments()
                        for _ in 0..<size {
                            let truth = Double.random(in: 0..<1, using: &random) < rate
                            let threshold = truth ? scorer.truePositiveRate : scorer.falsePositiveRate
                            let call = Double.random(in: 0..<1, using: &random) < threshold
                            pairs.add(gold: truth ? 1 : 0, prediction: call ? 1 : 0)
                        }
                        let calls = Double(unlabelled.draw(Double.random(in: 0..<1, using: &random)))
                        var rest = Moments()
                        rest.count = sampled - size
                        rest.sum = calls
                        rest.sumOfSquares = calls
                        guard let result = PredictionPoweredMean.estimate(gold: pairs, unlabelled: rest) else {
                            continue
                        }
                        if result.interval.contains(rate) { covered += 1 }
                        let wilson = WilsonInterval(successes: Int(pairs.gold.sum), trials: size)
                        if wilson.contains(rate) { goldCovered += 1 }
                        ratio += result.interval.width / (wilson.upper - wilson.lower)
                    }
                    let coverage = Double(covered) / Double(trials)
                    worst = min(worst, coverage)
                    print(
                        "| \(rate) | \(scorer.name) | \(size) | \(percent(coverage)) | \(percent(Double(goldCovered) / Double(trials))) | \(String(format: "%.3f", ratio / Double(trials))) |"
                    )
                }
            }
        }
        print("lowest PPI coverage: \(percent(worst))")
    }

    func percent(_ share: Double) -> String { String(format: "%.2f%%", share * 100) }

}
