/// A monotone map from a model's probabilities to observed frequencies, fitted on
/// a labelled reference window by pool-adjacent-violators: what NannyML's CBPE
/// (scikit-learn's `IsotonicRegression(out_of_bounds="clip")`) applies before
/// estimating, so an over- or under-confident model's estimates are corrected.
/// Equal inputs are merged first (their outcomes averaged, weighted by count);
/// prediction interpolates linearly between fitted points and clips outside them.
public struct IsotonicCalibration: Sendable, Equatable {
    public private(set) var inputs: [Double]
    public private(set) var outputs: [Double]

    public init?(probabilities: [Double], truths: [Bool]) {
        precondition(probabilities.count == truths.count)
        guard !probabilities.isEmpty else { return nil }
        let order = probabilities.indices.sorted { probabilities[$0] < probabilities[$1] }
        var xs: [Double] = []
        var sums: [Double] = []
        var weights: [Double] = []
        for index in order {
            let outcome = truths[index] ? 1.0 : 0.0
            if let last = xs.last, last == probabilities[index] {
                sums[sums.count - 1] += outcome
                weights[weights.count - 1] += 1
            } else {
                xs.append(probabilities[index])
                sums.append(outcome)
                weights.append(1)
            }
        }
        // Pool adjacent violators over blocks (mean, weight, how many points).
        var means: [Double] = []
        var blockWeights: [Double] = []
        var sizes: [Int] = []
        for position in xs.indices {
            var mean = sums[position] / weights[position]
            var weight = weights[position]
            var size = 1
            while let last = means.last, last >= mean {
                mean = (last * blockWeights.last! + mean * weight) / (blockWeights.last! + weight)
                weight += blockWeights.removeLast()
                size += sizes.removeLast()
                means.removeLast()
            }
            means.append(mean)
            blockWeights.append(weight)
            sizes.append(size)
        }
        var fitted: [Double] = []
        fitted.reserveCapacity(xs.count)
        for (mean, size) in zip(means, sizes) { fitted += repeatElement(mean, count: size) }
        inputs = xs
        outputs = fitted
    }

    /// The calibrated probability of `probability`.
    public func callAsFunction(_ probability: Double) -> Double {
        guard let first = inputs.first, let last = inputs.last else { return probability }
        if probability <= first { return outputs[0] }
        if probability >= last { return outputs[outputs.count - 1] }
        // First input above the probability.
        var low = 0
        var high = inputs.count - 1
        while high - low > 1 {
            let middle = (low + high) / 2
            if inputs[middle] <= probability { low = middle } else { high = middle }
        }
        let span = inputs[high] - inputs[low]
        guard span > 0 else { return outputs[low] }
        return outputs[low] + (outputs[high] - outputs[low]) * (probability - inputs[low]) / span
    }
}
