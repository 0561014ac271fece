import ArgumentParser
import Detectors

/// `infermon-bench changepoint`: what the quality series' CUSUM claims, measured.
/// Run lengths to a false signal on in-control input (normal, and a binomial
/// rate such as a refusal rate), and the delay after a planted shift, for the
/// self-starting detector and for the fixed 20-value warm-up it replaced.
struct BenchChangePoint: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "changepoint",
        abstract: "In-control run length and detection delay of the CUSUM change-point detector, by seeded simulation.")

    @Option(help: "Simulated runs per case.") var runs = 400
    @Option(help: "A run with no signal stops here (counted at this length).") var cap = 100_000
    @Option(help: "Random seed.") var seed: UInt64 = 11

    func run() throws {
        print("in-control run length (\(runs) runs, capped at \(cap)):")
        print("  input            detector            mean    median  ≤100")
        for input in InControl.allCases {
            for detector in Variant.allCases {
                var generator = SeededGenerator(seed: seed)
                var lengths: [Int] = []
                var early = 0
                for _ in 0..<runs {
                    var state = detector.make()
                    var steps = 0
                    var signalled = false
                    while steps < cap && !signalled {
                        steps += 1
                        signalled = state.observe(input.draw(&generator))
                    }
                    if signalled && steps <= 100 { early += 1 }
                    lengths.append(steps)
                }
                lengths.sort()
                let mean = Double(lengths.reduce(0, +)) / Double(runs)
                print(
                    "  \(input.rawValue.padding(16))  \(detector.rawValue.padding(16))  \(Int(mean).description.leftPadding(7))  \(lengths[runs / 2].description.leftPadding(7))  \(percent(Double(early) / Double(runs)))"
                )
            }
        }
        print(
            "delay after a shift of d standard deviations at step 200 (normal input; runs with a false signal before it left out):"
        )
        print("  d     detector            mean delay  median  runs")
        for shift in [0.5, 1, 1.5, 2, 3] {
            for detector in Variant.allCases {
                var generator = SeededGenerator(seed: seed)
                var delays: [Int] = []
                for _ in 0..<runs {
                    var state = detector.make()
                    var falseSignal = false
                    for _ in 0..<200 where state.observe(generator.normal()) { falseSignal = true }
                    if falseSignal { continue }
                    var delay = 0
                    while delay < cap {
                        delay += 1
                        if state.observe(generator.normal() + shift) { break }
                    }
                    delays.append(delay)
                }
                delays.sort()
                let mean = delays.isEmpty ? 0 : Double(delays.reduce(0, +)) / Double(delays.count)
                let median = delays.isEmpty ? 0 : delays[delays.count / 2]
                print(
                    "  \(String(shift).padding(4))  \(detector.rawValue.padding(16))  \(String(format1(mean)).leftPadding(10))  \(median.description.leftPadding(6))  \(delays.count)"
                )
            }
        }
    }

    enum InControl: String, CaseIterable {
        case normal = "N(0,1)"
        /// Refusals among 200 requests a minute at a 5 % rate, as a fraction.
        case binomialRate = "binomial rate"

        func draw(_ generator: inout SeededGenerator) -> Double {
            switch self {
            case .normal: return generator.normal()
            case .binomialRate:
                var hits = 0
                for _ in 0..<200 where Double.random(in: 0..<1, using: &generator) < 0.05 { hits += 1 }
                return Double(hits) / 200
            }
        }
    }

    enum Variant: String, CaseIterable {
        case selfStarting = "self-starting"
        case fixedWarmup = "fixed 20 warm-up"

        func make() -> any ChangeDetecting {
            switch self {
            case .selfStarting: CUSUMDetector()
            case .fixedWarmup: FixedWarmupCUSUM()
            }
        }
    }

    private func percent(_ value: Double) -> String { format1(value * 100) + " %" }
    private func format1(_ value: Double) -> String { String(Double(Int(value * 10 + 0.5)) / 10) }
}

protocol ChangeDetecting {
    mutating func observe(_ value: Double) -> Bool
}

extension CUSUMDetector: ChangeDetecting {
    mutating func observe(_ value: Double) -> Bool { (observe(value) as Direction?) != nil }
}

/// The detector as it was before: μ₀ and σ₀ fixed from the first 20 values, kept
/// here only as the reference the measurement compares against.
struct FixedWarmupCUSUM: ChangeDetecting {
    var values: [Double] = []
    var mean = 0.0
    var scale = 1.0
    var upper = 0.0
    var lower = 0.0

    mutating func observe(_ value: Double) -> Bool {
        if values.count < 20 {
            values.append(value)
            if values.count == 20 {
                mean = values.reduce(0, +) / 20
                scale = max((values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 19).squareRoot(), 0.01)
            }
            return false
        }
        let z = (value - mean) / scale
        upper = max(0, upper + z - 0.5)
        lower = max(0, lower - z - 0.5)
        guard upper > 8 || lower > 8 else { return false }
        self = FixedWarmupCUSUM()
        return true
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
    fileprivate func leftPadding(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
