#if canImport(Glibc)
    import Glibc
#endif

/// Realised performance of a binary classifier over one window, from each
/// event's predicted probability of the positive class and its true class.
/// Definitions follow scikit-learn (what NannyML reports): a metric whose
/// denominator is empty (precision without predicted positives, ROC AUC with
/// one class) is nil rather than a made-up 0.
public struct ClassifierPerformance: Sendable, Equatable {
    public var count: Int
    public var accuracy: Double
    public var precision: Double?
    public var recall: Double?
    public var f1: Double?
    public var rocAUC: Double?
    public var logLoss: Double
    public var brier: Double

    /// `probabilities` and `truths` pair up; the predicted class is `probability >= threshold`.
    public init?(probabilities: [Double], truths: [Bool], threshold: Double = 0.5) {
        precondition(probabilities.count == truths.count)
        guard !probabilities.isEmpty else { return nil }
        var truePositive = 0.0
        var falsePositive = 0.0
        var falseNegative = 0.0
        var trueNegative = 0.0
        var logLoss = 0.0
        var brier = 0.0
        let epsilon = 1e-15
        for (probability, truth) in zip(probabilities, truths) {
            let predicted = probability >= threshold
            switch (predicted, truth) {
            case (true, true): truePositive += 1
            case (true, false): falsePositive += 1
            case (false, true): falseNegative += 1
            case (false, false): trueNegative += 1
            }
            let clipped = min(1 - epsilon, max(epsilon, probability))
            logLoss -= truth ? log(clipped) : log(1 - clipped)
            let outcome = truth ? 1.0 : 0.0
            brier += (probability - outcome) * (probability - outcome)
        }
        let n = Double(probabilities.count)
        count = probabilities.count
        accuracy = (truePositive + trueNegative) / n
        precision = truePositive + falsePositive > 0 ? truePositive / (truePositive + falsePositive) : nil
        recall = truePositive + falseNegative > 0 ? truePositive / (truePositive + falseNegative) : nil
        let f1Denominator = 2 * truePositive + falsePositive + falseNegative
        f1 = f1Denominator > 0 ? 2 * truePositive / f1Denominator : nil
        self.logLoss = logLoss / n
        self.brier = brier / n
        rocAUC = Self.rocAUC(probabilities: probabilities, truths: truths)
    }

    /// The Mann–Whitney form of the area under the ROC curve, ties counted half.
    public static func rocAUC(probabilities: [Double], truths: [Bool]) -> Double? {
        let positives = truths.lazy.filter { $0 }.count
        let negatives = truths.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        let order = probabilities.indices.sorted { probabilities[$0] < probabilities[$1] }
        var rankSumPositive = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, probabilities[order[end + 1]] == probabilities[order[start]] { end += 1 }
            // Ranks start..end (1-based: start+1...end+1) share their average.
            let averageRank = Double(start + end + 2) / 2
            for index in start...end where truths[order[index]] { rankSumPositive += averageRank }
            start = end + 1
        }
        let p = Double(positives)
        return (rankSumPositive - p * (p + 1) / 2) / (p * Double(negatives))
    }

    /// The metrics by the names the series carry.
    public var named: [(String, Double)] {
        var out: [(String, Double)] = [("accuracy", accuracy)]
        if let precision { out.append(("precision", precision)) }
        if let recall { out.append(("recall", recall)) }
        if let f1 { out.append(("f1", f1)) }
        if let rocAUC { out.append(("roc_auc", rocAUC)) }
        out.append(("log_loss", logLoss))
        out.append(("brier", brier))
        return out
    }
}

/// Realised performance of a regressor over one window (scikit-learn's definitions;
/// MAPE divides by `max(|truth|, machine epsilon)` as scikit-learn does).
public struct RegressorPerformance: Sendable, Equatable {
    public var count: Int
    public var mae: Double
    public var rmse: Double
    public var mape: Double

    public init?(predictions: [Double], truths: [Double]) {
        precondition(predictions.count == truths.count)
        guard !predictions.isEmpty else { return nil }
        var absolute = 0.0
        var squared = 0.0
        var relative = 0.0
        for (prediction, truth) in zip(predictions, truths) {
            let error = prediction - truth
            absolute += abs(error)
            squared += error * error
            relative += abs(error) / max(abs(truth), Double.ulpOfOne)
        }
        let n = Double(predictions.count)
        count = predictions.count
        mae = absolute / n
        rmse = (squared / n).squareRoot()
        mape = relative / n
    }

    public var named: [(String, Double)] { [("mae", mae), ("rmse", rmse), ("mape", mape)] }
}

/// Realised performance of a multiclass classifier over one window, from each
/// event's probabilities over the classes and its true class. Definitions follow
/// scikit-learn: the predicted class is the most probable (the first on a tie,
/// as `argmax`); precision, recall and F1 are macro averages over the classes
/// that occur as truth or prediction (`labels=None`), a class without predicted
/// (or true) events counting 0 (`zero_division=0`); F1 is the mean of the
/// per-class F1s; log-loss renormalises each row and clips at machine epsilon.
public struct MulticlassPerformance: Sendable, Equatable {
    public var count: Int
    public var accuracy: Double
    public var macroPrecision: Double
    public var macroRecall: Double
    public var macroF1: Double
    public var logLoss: Double

    /// `probabilities[i][k]` is event i's probability of class k; `truths[i]` its true class's index.
    public init?(probabilities: [[Double]], truths: [Int]) {
        precondition(probabilities.count == truths.count)
        guard let classes = probabilities.first?.count, classes >= 2 else { return nil }
        var truePositive = [Double](repeating: 0, count: classes)
        var predictedCount = [Double](repeating: 0, count: classes)
        var trueCount = [Double](repeating: 0, count: classes)
        var correct = 0.0
        var logLoss = 0.0
        for (row, truth) in zip(probabilities, truths) {
            precondition(row.count == classes && (0..<classes).contains(truth))
            var predicted = 0
            for index in 1..<classes where row[index] > row[predicted] { predicted = index }
            predictedCount[predicted] += 1
            trueCount[truth] += 1
            if predicted == truth {
                truePositive[truth] += 1
                correct += 1
            }
            let total = row.reduce(0, +)
            let probability = total > 0 ? row[truth] / total : 0
            logLoss -= log(min(1 - Double.ulpOfOne, max(Double.ulpOfOne, probability)))
        }
        let present = (0..<classes).filter { predictedCount[$0] > 0 || trueCount[$0] > 0 }
        func share(_ numerator: Double, _ denominator: Double) -> Double {
            denominator > 0 ? numerator / denominator : 0
        }
        let n = Double(truths.count)
        count = truths.count
        accuracy = correct / n
        let m = Double(present.count)
        macroPrecision = present.reduce(0) { $0 + share(truePositive[$1], predictedCount[$1]) } / m
        macroRecall = present.reduce(0) { $0 + share(truePositive[$1], trueCount[$1]) } / m
        macroF1 =
            present.reduce(0) { $0 + share(2 * truePositive[$1], predictedCount[$1] + trueCount[$1]) } / m
        self.logLoss = logLoss / n
    }

    /// The metrics by the names the series carry.
    public var named: [(String, Double)] {
        [
            ("accuracy", accuracy), ("precision", macroPrecision), ("recall", macroRecall), ("f1", macroF1),
            ("log_loss", logLoss),
        ]
    }
}
