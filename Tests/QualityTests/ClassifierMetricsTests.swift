import Quality
import Testing

@Suite struct ClassifierMetricsTests {
    @Test func aucCountsPairsAndTies() {
        #expect(ClassifierMetrics.auc(scores: [0.1, 0.2, 0.8, 0.9], labels: [false, false, true, true]) == 1)
        #expect(ClassifierMetrics.auc(scores: [0.9, 0.8, 0.2, 0.1], labels: [false, false, true, true]) == 0)
        #expect(ClassifierMetrics.auc(scores: [0.5, 0.5, 0.5, 0.5], labels: [false, true, false, true]) == 0.5)
        // Positives at 0.3 and 0.7; negatives at 0.5 and 0.7: pairs won 1 + 0.5 of 4.
        #expect(ClassifierMetrics.auc(scores: [0.3, 0.7, 0.5, 0.7], labels: [true, true, false, false]) == 0.375)
    }

    @Test func precisionAndRecall() {
        let metrics = ClassifierMetrics(
            scores: [0, 0, 1, 1, 1], labels: [false, true, true, true, false],
            predicted: [false, false, true, true, true])
        #expect(metrics.precision == 2.0 / 3.0)
        #expect(metrics.recall == 2.0 / 3.0)
        #expect(metrics.accuracy == 3.0 / 5.0)
    }
}
