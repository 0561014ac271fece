import Foundation
import Testing

@testable import Detectors

/// Agreement with scipy and Evidently to 1e-6 relative on fixtures they computed.
@Suite struct GoldenTests {
    let fixtures = GoldenFixtures.shared

    @Test func kolmogorovSmirnovMatchesScipy() {
        let cases = fixtures.cases("ks")
        #expect(cases.count >= 15)
        for entry in cases {
            let a = SortedSample(SampleSpec(entry["a"]).values())
            let b = SortedSample(SampleSpec(entry["b"]).values())
            let result = KolmogorovSmirnov.test(a, b)
            let name = entry["name"] as? String ?? "?"
            #expect(result.method.rawValue == entry["method"] as? String, "\(name)")
            #expect(agrees(result.statistic, double(entry["statistic"])), "\(name): D \(result.statistic)")
            #expect(
                agrees(result.pValue, double(entry["pvalue"])),
                "\(name): p \(result.pValue) vs \(double(entry["pvalue"]))")
        }
    }

    @Test func kolmogorovDistributionMatchesScipyKstwo() {
        let cases = fixtures.cases("kolmogorov")
        #expect(cases.count > 50)
        for entry in cases {
            let n = Int(double(entry["n"]))
            let x = double(entry["x"])
            let expected = double(entry["sf"])
            let actual = KolmogorovDistribution.survival(n: n, x: x)
            #expect(agrees(actual, expected), "n=\(n) x=\(x): \(actual) vs \(expected)")
        }
    }

    @Test func chiSquareSurvivalMatchesScipy() {
        for entry in fixtures.cases("chi2") {
            let actual = SpecialFunctions.chiSquareSurvival(double(entry["x"]), degrees: double(entry["df"]))
            #expect(agrees(actual, double(entry["sf"])), "\(entry)")
        }
    }

    /// Student's t CDF, which the self-starting CUSUM turns into normal scores;
    /// the expected values are scipy.stats.t.cdf's.
    @Test func studentTCDFMatchesScipy() {
        let cases: [(t: Double, degrees: Double, cdf: Double)] = [
            (2.0, 10, 0.9633059826146299), (-1.5, 3, 0.11529193262241147), (0.3, 1, 0.5927735790777423),
            (-4, 25, 0.0002477218352660437), (6, 2, 0.9866642633922876),
        ]
        for (t, degrees, cdf) in cases {
            let actual = SpecialFunctions.studentTCDF(t, degrees: degrees)
            #expect(
                abs(actual - cdf) <= 1e-12 * max(1, abs(cdf)) || abs(actual - cdf) / cdf < 1e-10,
                "t \(t), df \(degrees): \(actual)")
        }
    }

    @Test func numericDistancesMatchScipyAndEvidently() {
        let cases = fixtures.cases("numeric")
        #expect(cases.count >= 10)
        for entry in cases {
            let name = entry["name"] as? String ?? "?"
            let a = SortedSample(SampleSpec(entry["a"]).values())
            let b = SortedSample(SampleSpec(entry["b"]).values())
            let distance = TwoSampleScan.wasserstein(a.values, b.values)
            #expect(agrees(distance, double(entry["wasserstein"])), "\(name): W \(distance)")
            let normed = DriftStatistics.normalizedWasserstein(reference: a, current: b)
            #expect(agrees(normed, double(entry["wasserstein_normed"])), "\(name): Wn \(normed)")
            let bins = Binning.numeric(reference: a, current: b)
            if let expectedBins = entry["bins"] as? NSNumber {
                #expect(bins.labels.count == expectedBins.intValue, "\(name): bins")
            }
            let psi = DriftStatistics.psi(bins)
            #expect(agrees(psi, double(entry["psi"])), "\(name): PSI \(psi) vs \(double(entry["psi"]))")
            let js = DriftStatistics.jensenShannon(bins)
            #expect(agrees(js, double(entry["jensenshannon"])), "\(name): JS \(js)")
        }
    }

    @Test func categoricalTestsMatchScipyAndEvidently() {
        let cases = fixtures.cases("categorical")
        #expect(cases.count >= 4)
        for entry in cases {
            let name = entry["name"] as? String ?? "?"
            let reference = (entry["reference"] as? [String: NSNumber] ?? [:]).mapValues(\.intValue)
            let current = (entry["current"] as? [String: NSNumber] ?? [:]).mapValues(\.intValue)
            let bins = Binning.categorical(reference: reference, current: current)
            #expect(agrees(DriftStatistics.psi(bins), double(entry["psi"])), "\(name): PSI")
            #expect(agrees(DriftStatistics.jensenShannon(bins), double(entry["jensenshannon"])), "\(name): JS")
            let contingency = entry["contingency"] as? [String: Any] ?? [:]
            let homogeneity = ChiSquare.homogeneity(reference: bins.referenceCounts, current: bins.currentCounts)
            #expect(agrees(homogeneity.statistic, double(contingency["statistic"])), "\(name): chi2")
            #expect(agrees(homogeneity.pValue, double(contingency["pvalue"])), "\(name): chi2 p")
            #expect(homogeneity.degreesOfFreedom == Int(double(contingency["dof"])), "\(name): dof")
            if let expected = entry["goodness_of_fit_pvalue"] {
                let fit = ChiSquare.goodnessOfFit(reference: bins.referenceCounts, current: bins.currentCounts)
                #expect(agrees(fit.pValue, double(expected)), "\(name): gof p \(fit.pValue)")
                #expect(agrees(fit.statistic, double(entry["goodness_of_fit_statistic"])), "\(name): gof")
            }
        }
    }
}
