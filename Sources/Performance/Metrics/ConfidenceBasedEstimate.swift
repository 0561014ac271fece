#if canImport(Glibc)
    import Glibc
#endif

/// Confidence-based performance estimation (CBPE, as NannyML does it) for a
/// binary classifier whose probabilities are calibrated: with `p` the predicted
/// probability of the positive class, an event predicted positive is a true
/// positive with probability `p` and a false positive with `1 - p`, and one
/// predicted negative a false negative with `p`; summing those expectations over
/// a window gives the expected confusion matrix, and from it accuracy,
/// precision, recall and F1. ROC AUC is the area under the expected ROC curve.
///
/// Why it is sound only for calibrated probabilities: the expectations are
/// exact when `P(y = 1 | p) = p`; a model that is over-confident makes every
/// estimate optimistic. The stage therefore publishes estimates only for models
/// configured as calibrated, and keeps checking them against realised values.
///
/// The interval is NannyML's: ±3 sampling errors, each from the spread of the
/// metric's per-event components on a labelled reference window, scaled by the
/// window's size (`ReferenceSpread`).
public struct ConfidenceBasedEstimate: Sendable, Equatable {
    public var accuracy: Double
    public var precision: Double?
    public var recall: Double?
    public var f1: Double?
    public var rocAUC: Double?
    /// Expected counts behind each ratio, for the interval without a reference.
    public var count: Int
    var expectedPositives = 0.0
    var predictedPositives = 0.0
    var expectedInvolved = 0.0

    /// `probabilities` are the model's (they decide the predicted class and the ROC
    /// order); `calibrated`, when given, are the same events' probabilities after
    /// calibration on a labelled reference (`IsotonicCalibration`), used as the expectations.
    public init?(probabilities: [Double], calibrated: [Double]? = nil, threshold: Double = 0.5) {
        guard !probabilities.isEmpty else { return nil }
        let expected = calibrated ?? probabilities
        precondition(expected.count == probabilities.count)
        var truePositive = 0.0
        var falsePositive = 0.0
        var falseNegative = 0.0
        var trueNegative = 0.0
        for (raw, expectation) in zip(probabilities, expected) {
            let p = min(1, max(0, expectation))
            if raw >= threshold {
                truePositive += p
                falsePositive += 1 - p
            } else {
                falseNegative += p
                trueNegative += 1 - p
            }
        }
        count = probabilities.count
        expectedPositives = truePositive + falseNegative
        predictedPositives = truePositive + falsePositive
        expectedInvolved = truePositive + falsePositive + falseNegative
        accuracy = (truePositive + trueNegative) / Double(probabilities.count)
        precision = truePositive + falsePositive > 0 ? truePositive / (truePositive + falsePositive) : nil
        recall = truePositive + falseNegative > 0 ? truePositive / (truePositive + falseNegative) : nil
        let f1Denominator = 2 * truePositive + falsePositive + falseNegative
        f1 = f1Denominator > 0 ? 2 * truePositive / f1Denominator : nil
        rocAUC = Self.expectedROCAUC(order: probabilities, expected: expected)
    }

    /// The area under the expected ROC curve: events taken from the highest model
    /// probability down, expected true positives growing by each one's (calibrated)
    /// `p` and false positives by `1 - p`; trapezoids between the points.
    public static func expectedROCAUC(order scores: [Double], expected: [Double]) -> Double? {
        let clamped = expected.map { min(1, max(0, $0)) }
        let totalPositive = clamped.reduce(0, +)
        let totalNegative = Double(clamped.count) - totalPositive
        guard totalPositive > 0, totalNegative > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var area = 0.0
        var truePositive = 0.0
        var falsePositive = 0.0
        for index in order {
            let nextTrue = truePositive + clamped[index]
            let nextFalse = falsePositive + 1 - clamped[index]
            area += (nextFalse - falsePositive) / totalNegative * (truePositive + nextTrue) / totalPositive / 2
            truePositive = nextTrue
            falsePositive = nextFalse
        }
        return area
    }

    /// The sampling error without a labelled reference: each ratio as a binomial
    /// share of its expected denominator (`sqrt(v(1 - v) / m)`), and ROC AUC by
    /// Hanley and McNeil's formula with the expected class counts. Wider than
    /// the reference's when the reference is representative; used only without one.
    public func binomialSamplingError(_ metric: String) -> Double? {
        func share(_ value: Double?, _ denominator: Double) -> Double? {
            guard let value, denominator > 0 else { return nil }
            return (max(0, value * (1 - value)) / denominator).squareRoot()
        }
        switch metric {
        case "accuracy": return share(accuracy, Double(count))
        case "precision": return share(precision, predictedPositives)
        case "recall": return share(recall, expectedPositives)
        case "f1": return share(f1, expectedInvolved)
        case "roc_auc":
            guard let auc = rocAUC else { return nil }
            let positives = expectedPositives
            let negatives = Double(count) - positives
            guard positives > 1, negatives > 1 else { return nil }
            let q1 = auc / (2 - auc)
            let q2 = 2 * auc * auc / (1 + auc)
            let variance =
                (auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc))
                / (positives * negatives)
            return max(0, variance).squareRoot()
        default: return nil
        }
    }

    public var named: [(String, Double)] {
        var out: [(String, Double)] = [("accuracy", accuracy)]
        if let precision { out.append(("precision", precision)) }
        if let recall { out.append(("recall", recall)) }
        if let f1 { out.append(("f1", f1)) }
        if let rocAUC { out.append(("roc_auc", rocAUC)) }
        return out
    }
}

/// What NannyML calls sampling-error components: per metric, the standard
/// deviation of its per-event contributions on a labelled reference window and
/// the share of events that contribute. A window of `n` events then has the
/// sampling error `std / sqrt(n * share)`.
public struct ReferenceSpread: Sendable, Equatable {
    public var components: [String: (std: Double, share: Double)]

    public static func == (lhs: ReferenceSpread, rhs: ReferenceSpread) -> Bool {
        lhs.components.keys.sorted() == rhs.components.keys.sorted()
            && lhs.components.allSatisfy { key, value in
                rhs.components[key].map { $0.std == value.std && $0.share == value.share } ?? false
            }
    }

    public init?(probabilities: [Double], truths: [Bool], threshold: Double = 0.5) {
        precondition(probabilities.count == truths.count)
        guard probabilities.count >= 2 else { return nil }
        let predicted = probabilities.map { $0 >= threshold }
        var components: [String: (std: Double, share: Double)] = [:]
        let n = Double(probabilities.count)
        // Accuracy: whether each event was right.
        components["accuracy"] = (Self.std(zip(predicted, truths).map { $0 == $1 ? 1 : 0 }), 1)
        // Precision: among predicted positives, whether each was right.
        let predictedPositive = zip(predicted, truths).filter { $0.0 }.map { $0.1 ? 1.0 : 0.0 }
        if !predictedPositive.isEmpty {
            components["precision"] = (Self.std(predictedPositive), Double(predictedPositive.count) / n)
        }
        // Recall: among actual positives, whether each was found.
        let actualPositive = zip(predicted, truths).filter { $0.1 }.map { $0.0 ? 1.0 : 0.0 }
        if !actualPositive.isEmpty {
            components["recall"] = (Self.std(actualPositive), Double(actualPositive.count) / n)
        }
        // F1: among events in the confusion matrix's TP+FP+FN, whether each is a TP, scaled
        // (as NannyML does) by involved / (TP + (FP + FN) / 2) so the mean is the F1 itself.
        let involved = zip(predicted, truths).filter { $0.0 || $0.1 }.map { $0.0 && $0.1 ? 1.0 : 0.0 }
        if !involved.isEmpty {
            let truePositives = involved.reduce(0, +)
            let others = Double(involved.count) - truePositives
            let correcting = Double(involved.count) / (others * 0.5 + truePositives)
            components["f1"] = (Self.std(involved.map { $0 * correcting }), Double(involved.count) / n)
        }
        if let auc = Self.aucComponent(probabilities: probabilities, truths: truths) { components["roc_auc"] = auc }
        self.components = components
    }

    /// The sampling error of `metric` for a window of `count` events, nil without a component.
    public func samplingError(_ metric: String, count: Int) -> Double? {
        guard let component = components[metric], count > 0, component.share > 0 else { return nil }
        return component.std / (Double(count) * component.share).squareRoot()
    }

    /// NannyML's ROC AUC component: with the minority class as positive, each
    /// positive's count of negatives ranked below it, over all negatives; their
    /// spread, and the positives' share.
    static func aucComponent(probabilities: [Double], truths: [Bool]) -> (std: Double, share: Double)? {
        var scores = probabilities
        var labels = truths
        let positives = labels.lazy.filter { $0 }.count
        if Double(positives) / Double(labels.count) > 0.5 {
            labels = labels.map { !$0 }
            scores = scores.map { 1 - $0 }
        }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        let n = order.count
        let positiveCount = order.lazy.filter { labels[$0] }.count
        let negativeCount = n - positiveCount
        guard positiveCount > 0, negativeCount > 0 else { return nil }
        var below: [Double] = []
        var positivesSeen = 0
        for (rank, index) in order.enumerated() where labels[index] {
            // Negatives ranked below this positive: its rank minus the positives before it.
            // NannyML drops a positive ranked first (`np.unique(positive_ranks)[1:]`); so does this.
            guard rank > 0 else {
                positivesSeen += 1
                continue
            }
            below.append(Double(rank - positivesSeen) / Double(negativeCount))
            positivesSeen += 1
        }
        return (std(below), Double(positiveCount) / Double(n))
    }

    /// Population standard deviation (numpy's default).
    static func std(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        return variance.squareRoot()
    }
}
