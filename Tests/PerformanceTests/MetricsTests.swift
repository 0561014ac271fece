import InfermonCore
import Testing

@testable import Performance

/// Each metric against scikit-learn's value on the same ten events (computed once with
/// sklearn 1.x: accuracy_score, precision_score, …, log_loss, brier_score_loss,
/// IsotonicRegression(out_of_bounds="clip")).
@Suite struct PerformanceMetricsTests {
    static let truths = [0, 0, 1, 1, 1, 0, 1, 0, 1, 1].map { $0 == 1 }
    static let probabilities = [0.1, 0.4, 0.35, 0.8, 0.9, 0.65, 0.5, 0.2, 0.7, 0.45]

    @Test func classifierMetricsMatchScikitLearn() throws {
        let metrics = try #require(ClassifierPerformance(probabilities: Self.probabilities, truths: Self.truths))
        #expect(abs(metrics.accuracy - 0.7) < 1e-12)
        #expect(abs(try #require(metrics.precision) - 0.8) < 1e-12)
        #expect(abs(try #require(metrics.recall) - 0.6666666666666666) < 1e-12)
        #expect(abs(try #require(metrics.f1) - 0.7272727272727273) < 1e-12)
        #expect(abs(try #require(metrics.rocAUC) - 0.8333333333333334) < 1e-12)
        #expect(abs(metrics.logLoss - 0.5115807827423867) < 1e-12)
        #expect(abs(metrics.brier - 0.17475) < 1e-12)
    }

    @Test func aucCountsTiesHalfAndIsNilWithOneClass() {
        #expect(ClassifierPerformance.rocAUC(probabilities: [0.5, 0.5], truths: [true, false]) == 0.5)
        #expect(ClassifierPerformance.rocAUC(probabilities: [0.2, 0.9], truths: [true, true]) == nil)
        let noPositivePredicted = ClassifierPerformance(probabilities: [0.1, 0.2], truths: [true, false])
        #expect(noPositivePredicted?.precision == nil)
    }

    @Test func regressorMetricsMatchScikitLearn() throws {
        let metrics = try #require(
            RegressorPerformance(predictions: [2.5, 0.0, 2.0, 8.0], truths: [3.0, -0.5, 2.0, 7.0]))
        #expect(abs(metrics.mae - 0.5) < 1e-12)
        #expect(abs(metrics.rmse - 0.6123724356957945) < 1e-12)
        #expect(abs(metrics.mape - 0.3273809523809524) < 1e-12)
    }

    @Test func isotonicCalibrationMatchesScikitLearn() throws {
        let map = try #require(IsotonicCalibration(probabilities: Self.probabilities, truths: Self.truths))
        let expected = [0.0, 0.0, 0.3333333333333333, 0.5666666666666665, 0.6666666666666666, 1.0, 1.0]
        for (input, want) in zip([0.0, 0.1, 0.3, 0.42, 0.55, 0.75, 0.95], expected) {
            #expect(abs(map(input) - want) < 1e-12, "calibrated \(input)")
        }
    }

    @Test func perfectlyCalibratedScoresHaveSmallECEAndAnIntervalAroundIt() throws {
        var random = SeededRandom(seed: 7)
        var probabilities: [Double] = []
        var truths: [Bool] = []
        for _ in 0..<20_000 {
            let p = random.unit()
            probabilities.append(p)
            truths.append(random.unit() < p)
        }
        let calibrated = try #require(Calibration(probabilities: probabilities, truths: truths))
        #expect(calibrated.ece < 0.02)
        #expect(calibrated.eceLower <= calibrated.ece && calibrated.ece <= calibrated.eceUpper)
        #expect(calibrated.bins.count == 10)
        for bin in calibrated.bins { #expect(abs(bin.observed - bin.predicted) < 0.04, "bin \(bin.upper)") }
        // Over-confident: the same outcomes, probabilities pushed to the ends.
        let pushed = probabilities.map { $0 < 0.5 ? $0 / 4 : 1 - (1 - $0) / 4 }
        let overconfident = try #require(Calibration(probabilities: pushed, truths: truths))
        #expect(overconfident.eceLower > calibrated.eceUpper, "a miscalibrated model's interval lies above")
        #expect(overconfident.brier > calibrated.brier)
    }

    @Test func cbpeOfCalibratedScoresIsCloseToRealised() throws {
        var random = SeededRandom(seed: 11)
        var probabilities: [Double] = []
        var truths: [Bool] = []
        for _ in 0..<50_000 {
            let p = random.unit()
            probabilities.append(p)
            truths.append(random.unit() < p)
        }
        let estimate = try #require(ConfidenceBasedEstimate(probabilities: probabilities))
        let realised = try #require(ClassifierPerformance(probabilities: probabilities, truths: truths))
        #expect(abs(estimate.accuracy - realised.accuracy) < 0.01)
        #expect(abs(try #require(estimate.f1) - realised.f1!) < 0.01)
        #expect(abs(try #require(estimate.rocAUC) - realised.rocAUC!) < 0.01)
    }

    @Test func windowsAreAlignedAndStampedAtTheirEnd() {
        let hour: Int64 = 3_600_000
        let starts = WindowEvaluator.windowStarts(length: hour, endingAfter: 10 * hour + 5, through: 13 * hour)
        #expect(starts == [10 * hour, 11 * hour, 12 * hour], "windows ending at 11h, 12h and 13h")
        #expect(WindowEvaluator.edgeText(0.1) == "0.1" && WindowEvaluator.edgeText(1) == "1")
    }
}
