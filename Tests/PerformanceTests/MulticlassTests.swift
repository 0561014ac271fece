import Foundation
import Performance
import Testing

/// Multiclass metrics against scikit-learn's own numbers on seeded predictions
/// (testdata/make-multiclass-fixture.py wrote the fixture with scikit-learn;
/// it is committed, so the test needs neither scikit-learn nor the network).
@Suite("Multiclass performance against scikit-learn")
struct MulticlassTests {
    struct Case {
        var name: String
        var probabilities: [[Double]]
        var truths: [Int]
        var expected: [String: Double]
    }

    static func cases() throws -> [Case] {
        let url = try #require(
            Bundle.module.url(forResource: "multiclass-sklearn", withExtension: "json", subdirectory: "testdata"))
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        let cases = try #require(object?["cases"] as? [[String: Any]])
        return try cases.map { entry in
            Case(
                name: try #require(entry["name"] as? String),
                probabilities: try #require(entry["probabilities"] as? [[Double]]),
                truths: try #require(entry["truths"] as? [Int]),
                expected: try #require(entry["sklearn"] as? [String: Double]))
        }
    }

    @Test func metricsMatchScikitLearn() throws {
        let cases = try Self.cases()
        #expect(cases.count == 3)
        for entry in cases {
            let performance = try #require(
                MulticlassPerformance(probabilities: entry.probabilities, truths: entry.truths))
            let named = Dictionary(uniqueKeysWithValues: performance.named)
            #expect(Set(named.keys) == Set(entry.expected.keys), "\(entry.name)")
            for (metric, value) in entry.expected {
                let ours = try #require(named[metric])
                #expect(abs(ours - value) < 1e-12, "\(entry.name) \(metric): \(ours) vs scikit-learn \(value)")
            }
        }
    }

    @Test func aClassNeverPredictedCountsZeroPrecision() throws {
        // Truth 0,0,1,2; always predicts class 0: precision (0.5 + 0 + 0) / 3, recall (1 + 0 + 0) / 3.
        let rows = [[0.9, 0.05, 0.05], [0.8, 0.1, 0.1], [0.6, 0.3, 0.1], [0.5, 0.1, 0.4]]
        let performance = try #require(MulticlassPerformance(probabilities: rows, truths: [0, 0, 1, 2]))
        #expect(performance.accuracy == 0.5)
        #expect(abs(performance.macroPrecision - 0.5 / 3) < 1e-15)
        #expect(abs(performance.macroRecall - 1.0 / 3) < 1e-15)
        #expect(abs(performance.macroF1 - (2.0 / 3) / 3) < 1e-15)
        #expect(MulticlassPerformance(probabilities: [], truths: []) == nil)
    }
}
