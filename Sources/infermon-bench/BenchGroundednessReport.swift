import Foundation
import InfermonCore
import Quality

/// One response of a pair as every method saw it.
struct GroundednessResponse {
    var new: GroundednessResult
    var old: GroundednessResult
    var words: Int
    var novelty: Double
}

/// A faithful (right) and a hallucinated (wrong) response to the same source.
struct GroundednessSample {
    var right: GroundednessResponse
    var wrong: GroundednessResponse
}

/// The groundedness evaluation's figures: per subset and method, ROC AUC with a
/// percentile-bootstrap 95 % interval (pairs resampled, so both responses of a
/// source stay together; seeded, so reruns agree), and the operating point at
/// the threshold for the two scorers.
struct GroundednessReport {
    var dataset: String
    var threshold: Double
    var resamples: Int
    var eventsPerSecond: Double
    var oldEventsPerSecond: Double
    var subsets: [(name: String, samples: [GroundednessSample])]

    /// Methods in report order: name and the hallucination score of a response.
    static let methods: [(name: String, score: @Sendable (GroundednessResponse) -> Double)] = [
        ("scorer", { $0.new.score }), ("old_scorer", { $0.old.score }),
        ("length", { Double($0.words) }), ("word_novelty", { $0.novelty }),
    ]

    struct Line {
        var method: String
        var auc: Double
        var low: Double
        var high: Double
    }

    struct OperatingPoint {
        var precision: Double
        var recall: Double
        var falsePositiveRate: Double
        var abstained: Int
    }

    func lines(_ samples: [GroundednessSample]) -> [Line] {
        var generator = SplitMix64(seed: 18)
        let draws = (0..<resamples).map { _ in
            (0..<samples.count).map { _ in Int(generator.next() % UInt64(samples.count)) }
        }
        return Self.methods.map { method, score in
            let right = samples.map { score($0.right) }
            let wrong = samples.map { score($0.wrong) }
            func auc(_ indices: [Int]) -> Double {
                ClassifierMetrics.auc(
                    scores: indices.map { right[$0] } + indices.map { wrong[$0] },
                    labels: Array(repeating: false, count: indices.count) + Array(repeating: true, count: indices.count)
                )
            }
            let point = auc(Array(samples.indices))
            let boot = draws.map(auc).filter { !$0.isNaN }.sorted()
            guard !boot.isEmpty else { return Line(method: method, auc: point, low: .nan, high: .nan) }
            let low = boot[Int((Double(boot.count - 1) * 0.025).rounded())]
            let high = boot[Int((Double(boot.count - 1) * 0.975).rounded())]
            return Line(method: method, auc: point, low: low, high: high)
        }
    }

    func operatingPoint(_ samples: [GroundednessSample], _ result: (GroundednessResponse) -> GroundednessResult)
        -> OperatingPoint
    {
        var truePositives = 0
        var falsePositives = 0
        var abstained = 0
        for sample in samples {
            let right = result(sample.right)
            let wrong = result(sample.wrong)
            if right.verdict == .hallucinated { falsePositives += 1 }
            if wrong.verdict == .hallucinated { truePositives += 1 }
            abstained += (right.abstained ? 1 : 0) + (wrong.abstained ? 1 : 0)
        }
        let n = Double(max(1, samples.count))
        let called = truePositives + falsePositives
        return OperatingPoint(
            precision: called == 0 ? 0 : Double(truePositives) / Double(called), recall: Double(truePositives) / n,
            falsePositiveRate: Double(falsePositives) / n, abstained: abstained)
    }

    var json: String {
        var parts: [String] = []
        for (name, samples) in subsets {
            let aucs = lines(samples).map {
                "\"\($0.method)\":{\"roc_auc\":\(num($0.auc)),\"ci95\":[\(num($0.low)),\(num($0.high))]}"
            }
            let points = [("scorer", operatingPoint(samples, \.new)), ("old_scorer", operatingPoint(samples, \.old))]
                .map {
                    "\"\($0.0)_at_threshold\":{\"precision\":\(num($0.1.precision)),\"recall\":\(num($0.1.recall)),\"fpr\":\(num($0.1.falsePositiveRate)),\"abstained\":\($0.1.abstained)}"
                }
            parts.append("\"\(name)\":{\"pairs\":\(samples.count),\((aucs + points).joined(separator: ","))}")
        }
        return
            "{\"dataset\":\"\(dataset)\",\"threshold\":\(threshold),\"events_per_second\":\(num(eventsPerSecond)),\"old_events_per_second\":\(num(oldEventsPerSecond)),\(parts.joined(separator: ","))}"
    }

    func text(file: String) -> String {
        func f(_ value: Double) -> String { String(format: "%.3f", value) }
        var out = "groundedness on \(dataset) (\(file)), threshold \(threshold), \(resamples) bootstrap resamples\n"
        out += "scorer \(Int(eventsPerSecond)) events/s, old scorer \(Int(oldEventsPerSecond)) events/s (one core)\n"
        for (name, samples) in subsets {
            out += "\(name): \(samples.count) pairs\n"
            for line in lines(samples) {
                out +=
                    "  \(line.method.padding(toLength: 13, withPad: " ", startingAt: 0)) AUC \(f(line.auc))  [\(f(line.low)), \(f(line.high))]\n"
            }
            for (method, point) in [
                ("scorer", operatingPoint(samples, \.new)), ("old_scorer", operatingPoint(samples, \.old)),
            ] {
                out +=
                    "  \(method) at \(threshold): precision \(f(point.precision))  recall \(f(point.recall))  FPR \(f(point.falsePositiveRate))  abstained \(point.abstained)\n"
            }
        }
        return out
    }

    private func num(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }
}

/// A small seeded generator, so bootstrap intervals are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
