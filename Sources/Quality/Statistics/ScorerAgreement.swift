/// How the offline scorer's calls agree with gold verdicts on the events that
/// have both: the confusion counts, Cohen's κ, and the error rates with their
/// Wilson intervals. "Positive" means hallucinated.
public struct ScorerAgreement: Sendable, Equatable {
    public var truePositives = 0
    public var falsePositives = 0
    public var trueNegatives = 0
    public var falseNegatives = 0

    public init() {}

    public init(gold: [Bool], scorer: [Bool]) {
        precondition(gold.count == scorer.count)
        for (truth, call) in zip(gold, scorer) { add(gold: truth, scorer: call) }
    }

    public mutating func add(gold: Bool, scorer: Bool) {
        switch (gold, scorer) {
        case (true, true): truePositives += 1
        case (false, true): falsePositives += 1
        case (false, false): trueNegatives += 1
        case (true, false): falseNegatives += 1
        }
    }

    public var count: Int { truePositives + falsePositives + trueNegatives + falseNegatives }

    /// Cohen's κ: agreement beyond what two raters with these marginal rates
    /// reach by chance. 1 is perfect, 0 chance level; nil when chance agreement
    /// is already perfect (both raters gave one answer only) or there are no pairs.
    public var kappa: Double? {
        let n = Double(count)
        guard n > 0 else { return nil }
        let observed = Double(truePositives + trueNegatives) / n
        let goldPositive = Double(truePositives + falseNegatives) / n
        let scorerPositive = Double(truePositives + falsePositives) / n
        let chance = goldPositive * scorerPositive + (1 - goldPositive) * (1 - scorerPositive)
        guard chance < 1 else { return nil }
        return (observed - chance) / (1 - chance)
    }

    /// Share of gold-supported events the scorer called hallucinated.
    public var falsePositiveRate: RateEstimate {
        RateEstimate(successes: falsePositives, trials: falsePositives + trueNegatives, minimumTrials: 1)
    }

    /// Share of gold-hallucinated events the scorer called supported.
    public var falseNegativeRate: RateEstimate {
        RateEstimate(successes: falseNegatives, trials: falseNegatives + truePositives, minimumTrials: 1)
    }

    /// Recall of hallucinations.
    public var truePositiveRate: RateEstimate {
        RateEstimate(successes: truePositives, trials: falseNegatives + truePositives, minimumTrials: 1)
    }

    public var precision: RateEstimate {
        RateEstimate(successes: truePositives, trials: truePositives + falsePositives, minimumTrials: 1)
    }
}

extension RateEstimate {
    /// The point estimate when there was at least one trial.
    public var estimate: Double? {
        if case .interval(let interval) = self { return interval.estimate }
        return nil
    }
}
