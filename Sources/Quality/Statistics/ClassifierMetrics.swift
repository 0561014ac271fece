/// How well a score separates positives (hallucinated) from negatives: what
/// the groundedness evaluation reports.
public struct ClassifierMetrics: Sendable, Equatable {
    public var positives: Int
    public var negatives: Int
    /// Area under the ROC curve: the probability that a random positive scores
    /// above a random negative, ties counting one half (Mann–Whitney U).
    public var rocAUC: Double
    public var precision: Double
    public var recall: Double
    public var accuracy: Double

    /// `scores` with their labels (true = positive); `predicted` says which were
    /// called positive at the operating threshold.
    public init(scores: [Double], labels: [Bool], predicted: [Bool]) {
        precondition(scores.count == labels.count && labels.count == predicted.count)
        positives = labels.count { $0 }
        negatives = labels.count - positives
        rocAUC = Self.auc(scores: scores, labels: labels)
        var truePositives = 0
        var falsePositives = 0
        var correct = 0
        for (label, call) in zip(labels, predicted) {
            if call && label { truePositives += 1 }
            if call && !label { falsePositives += 1 }
            if call == label { correct += 1 }
        }
        precision =
            truePositives + falsePositives == 0 ? 0 : Double(truePositives) / Double(truePositives + falsePositives)
        recall = positives == 0 ? 0 : Double(truePositives) / Double(positives)
        accuracy = labels.isEmpty ? 0 : Double(correct) / Double(labels.count)
    }

    public var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }

    /// Rank-based AUC with average ranks for ties, O(n log n).
    public static func auc(scores: [Double], labels: [Bool]) -> Double {
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var ranks = [Double](repeating: 0, count: scores.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let averageRank = Double(start + end) / 2 + 1
            for position in start...end { ranks[order[position]] = averageRank }
            start = end + 1
        }
        let positives = labels.count { $0 }
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return .nan }
        var positiveRankSum = 0.0
        for (rank, label) in zip(ranks, labels) where label { positiveRankSum += rank }
        let u = positiveRankSum - Double(positives) * Double(positives + 1) / 2
        return u / (Double(positives) * Double(negatives))
    }
}
