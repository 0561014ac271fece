/// Pearson chi-square tests on category counts.
public enum ChiSquare {
    public struct Result: Sendable, Equatable {
        public var statistic: Double
        public var degreesOfFreedom: Int
        public var pValue: Double
    }

    /// Test of homogeneity on the 2 × k table of reference and current counts
    /// (`scipy.stats.chi2_contingency(..., correction=False)`). Both samples are
    /// treated as random, unlike a goodness-of-fit test against the reference
    /// shares, which overstates significance when the reference is small. With two
    /// categories it is the two-proportion z-test squared.
    public static func homogeneity(reference: [Int], current: [Int]) -> Result {
        let referenceTotal = Double(reference.reduce(0, +))
        let currentTotal = Double(current.reduce(0, +))
        let total = referenceTotal + currentTotal
        var statistic = 0.0
        var categories = 0
        for (r, c) in zip(reference, current) where r + c > 0 {
            categories += 1
            let column = Double(r + c)
            let expectedReference = referenceTotal * column / total
            let expectedCurrent = currentTotal * column / total
            let dr = Double(r) - expectedReference
            let dc = Double(c) - expectedCurrent
            statistic += dr * dr / expectedReference + dc * dc / expectedCurrent
        }
        let degrees = categories - 1
        guard degrees > 0, referenceTotal > 0, currentTotal > 0 else {
            return Result(statistic: 0, degreesOfFreedom: max(degrees, 0), pValue: 1)
        }
        return Result(
            statistic: statistic, degreesOfFreedom: degrees,
            pValue: SpecialFunctions.chiSquareSurvival(statistic, degrees: Double(degrees)))
    }

    /// Goodness of fit of current counts to reference shares scaled to the current
    /// total, as Evidently's `chisquare` drift test calls `scipy.stats.chisquare`.
    /// A category absent from the reference makes the statistic infinite.
    public static func goodnessOfFit(reference: [Int], current: [Int]) -> Result {
        let referenceTotal = Double(reference.reduce(0, +))
        let currentTotal = Double(current.reduce(0, +))
        let scale = currentTotal / referenceTotal
        var statistic = 0.0
        for (r, c) in zip(reference, current) {
            let expected = Double(r) * scale
            let difference = Double(c) - expected
            statistic += difference * difference / expected
        }
        let degrees = reference.count - 1
        guard degrees > 0 else { return Result(statistic: 0, degreesOfFreedom: 0, pValue: 1) }
        let p: Double = statistic.isNaN ? .nan : SpecialFunctions.chiSquareSurvival(statistic, degrees: Double(degrees))
        return Result(statistic: statistic, degreesOfFreedom: degrees, pValue: p)
    }
}
