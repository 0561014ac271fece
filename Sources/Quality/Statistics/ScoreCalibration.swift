import Foundation

/// A per-route calibration of the offline scorer, fitted on gold-labelled
/// events by `infermon quality calibrate`: the threshold at which the
/// scorer's calls agree best with gold (Cohen's κ), and a logistic map from
/// score to the probability that the response is hallucinated.
///
/// Why both: the threshold gives the scorer-only rate and the agreement the
/// daemon checks against its floor; the probability is the prediction the
/// prediction-powered estimate uses, which carries more than a 0/1 call.
public struct ScoreCalibration: Sendable, Equatable, Codable {
    public var model: String
    public var route: String
    public var threshold: Double
    public var intercept: Double
    public var slope: Double
    /// Gold-labelled events it was fitted on.
    public var pairs: Int
    public var fittedAt: Int64

    public init(
        model: String, route: String, threshold: Double, intercept: Double, slope: Double, pairs: Int,
        fittedAt: Int64
    ) {
        self.model = model
        self.route = route
        self.threshold = threshold
        self.intercept = intercept
        self.slope = slope
        self.pairs = pairs
        self.fittedAt = fittedAt
    }

    public init(json: String) throws {
        self = try JSONDecoder().decode(ScoreCalibration.self, from: Data(json.utf8))
    }

    /// The stored form: JSON with sorted keys.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// P(hallucinated | score) under the fitted logistic model.
    public func probability(_ score: Double) -> Double {
        1 / (1 + exp(-(intercept + slope * score)))
    }

    public func call(_ score: Double) -> Bool { score > threshold }

    /// Fits threshold and logistic map on (score, gold) pairs; nil with fewer
    /// than 10 pairs or without both classes among them.
    public static func fit(
        model: String, route: String, scores: [Double], gold: [Bool], fittedAt: Int64
    ) -> ScoreCalibration? {
        precondition(scores.count == gold.count)
        let positives = gold.count { $0 }
        guard scores.count >= 10, positives > 0, positives < gold.count else { return nil }
        let threshold = bestThreshold(scores: scores, gold: gold)
        let (intercept, slope) = logistic(scores: scores, gold: gold)
        return ScoreCalibration(
            model: model, route: route, threshold: threshold, intercept: intercept, slope: slope, pairs: scores.count,
            fittedAt: fittedAt)
    }

    /// The cut (midway between adjacent distinct scores) with the highest κ;
    /// ties go to the lower cut.
    static func bestThreshold(scores: [Double], gold: [Bool]) -> Double {
        let distinct = Array(Set(scores)).sorted()
        var candidates = [distinct[0] - 1e-9]
        for index in distinct.indices.dropLast() { candidates.append((distinct[index] + distinct[index + 1]) / 2) }
        var best = candidates[0]
        var bestKappa = -Double.infinity
        for cut in candidates {
            let agreement = ScorerAgreement(gold: gold, scorer: scores.map { $0 > cut })
            let kappa = agreement.kappa ?? -1
            if kappa > bestKappa {
                bestKappa = kappa
                best = cut
            }
        }
        return best
    }

    /// Logistic regression of gold on score by Newton's method, with a small
    /// ridge penalty on the slope so separable data gives a steep but finite fit.
    static func logistic(scores: [Double], gold: [Bool]) -> (intercept: Double, slope: Double) {
        var a = 0.0
        var b = 0.0
        let ridge = 1e-3 * Double(scores.count)
        for _ in 0..<50 {
            var ga = 0.0
            var gb = -ridge * b
            var haa = 0.0
            var hab = 0.0
            var hbb = ridge
            for (score, label) in zip(scores, gold) {
                let p = 1 / (1 + exp(-(a + b * score)))
                let residual = (label ? 1 : 0) - p
                ga += residual
                gb += residual * score
                let weight = max(p * (1 - p), 1e-12)
                haa += weight
                hab += weight * score
                hbb += weight * score * score
            }
            let determinant = haa * hbb - hab * hab
            guard determinant > 1e-18 else { break }
            let da = (hbb * ga - hab * gb) / determinant
            let db = (haa * gb - hab * ga) / determinant
            a += da
            b += db
            if abs(da) + abs(db) < 1e-10 { break }
        }
        return (a, b)
    }
}
