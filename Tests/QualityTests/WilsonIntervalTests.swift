import InfermonCore
import InfermonTesting
import Quality
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct WilsonIntervalTests {
    @Test(arguments: [0.01, 0.05, 0.20])
    func coversTheTrueRateAtLeast94PercentOfTheTime(rate: Double) {
        var generator = SeededRandom(seed: 0x5eed ^ UInt64(rate * 1000))
        let trials = 4000
        for n in [50, 75, 100, 150, 200, 300, 500, 1000, 2000, 5000] {
            let sampler = BinomialSampler(n: n, p: rate)
            var covered = 0
            for _ in 0..<trials {
                let uniform = Double(generator.next() >> 11) * 0x1.0p-53
                let successes = sampler.draw(uniform)
                if WilsonInterval(successes: successes, trials: n).contains(rate) { covered += 1 }
            }
            let coverage = Double(covered) / Double(trials)
            #expect(coverage >= 0.94, "rate \(rate), n \(n): coverage \(coverage)")
        }
    }

    @Test func matchesAKnownValue() {
        // Newcombe (1998), worked example 81 of 263: plain Wilson 0.2553-0.3662, method 4
        // (continuity corrected) 0.2535-0.3682.
        let interval = WilsonInterval(successes: 81, trials: 263)
        #expect(abs(interval.lower - 0.2535) < 0.00006)
        #expect(abs(interval.upper - 0.3682) < 0.00006)
        #expect(abs(interval.estimate - 81.0 / 263.0) < 1e-12)
    }

    @Test func boundsStayInsideZeroAndOne() {
        let none = WilsonInterval(successes: 0, trials: 40)
        #expect(none.lower == 0 && none.upper > 0 && none.upper < 0.15)
        let all = WilsonInterval(successes: 40, trials: 40)
        #expect(all.upper == 1 && all.lower > 0.85)
        #expect(all.lower < 1)
    }

    @Test func belowTheMinimumThereIsNoRate() {
        #expect(RateEstimate(successes: 3, trials: 29, minimumTrials: 30) == .notEnoughData(trials: 29))
        guard case .interval(let interval) = RateEstimate(successes: 3, trials: 30, minimumTrials: 30) else {
            Issue.record("expected an interval at the minimum")
            return
        }
        #expect(interval.trials == 30)
    }

    @Test func rateSeriesPublishBoundsOnlyWithEnoughData() {
        let counts = [
            VerdictCounts(judge: "groundedness", model: "m", route: "/a", supported: 90, hallucinated: 10, unknown: 5),
            VerdictCounts(judge: "groundedness", model: "m", route: "/b", supported: 5, hallucinated: 2, unknown: 0),
            VerdictCounts(judge: "feedback", model: "m", route: "/a", supported: 40, hallucinated: 20, unknown: 0),
        ]
        let samples = RateSeries(minimumSamples: 30).samples(counts, window: 3_600_000, at: 1000)
        let byText = Dictionary(uniqueKeysWithValues: samples.map { ($0.labels.description, $0.sample.value) })
        #expect(
            byText["infermon_hallucination_samples{judge=\"groundedness\", model=\"m\", route=\"/a\", window=\"1h\"}"]
                == 100)
        #expect(
            byText[
                "infermon_hallucination_rate{bound=\"estimate\", judge=\"groundedness\", model=\"m\", route=\"/a\", window=\"1h\"}"
            ] == 0.1)
        #expect(
            byText["infermon_hallucination_samples{judge=\"groundedness\", model=\"m\", route=\"/b\", window=\"1h\"}"]
                == 7)
        #expect(!byText.keys.contains { $0.contains("route=\"/b\"") && $0.contains("_rate") })
        let lower = byText[
            "infermon_feedback_thumbs_down_rate{bound=\"lower\", model=\"m\", route=\"/a\", window=\"1h\"}"]
        #expect(lower != nil && lower! < 1.0 / 3 && lower! > 0.2)
    }
}
