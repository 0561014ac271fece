import ArgumentParser
import Canary
import Foundation
import InfermonCore

/// `infermon-bench canary`: the simulations of `CanaryTests` at sizes too slow
/// for the test suite: more rollouts, longer rollouts, realistic splits, and
/// the naive repeated fixed-sample test beside the always-valid one.
struct BenchCanary: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canary",
        abstract: "False rollback rate and sample sizes of the canary's sequential tests, by seeded simulation.")

    @Option(help: "Rollouts per scenario.") var rollouts = 1000
    @Option(help: "Requests per rollout (both arms).") var requests = 20000
    @Option(help: "The candidate's share of requests.") var share = 0.1
    @Option(help: "Family-wise alpha.") var alpha = 0.05
    @Option(help: "The naive test looks every this many requests.") var peekEvery = 100
    @Option(help: "First seed.") var seed: UInt64 = 1

    func run() throws {
        print(
            "rollouts \(rollouts) × \(requests) requests, candidate share \(share), alpha \(alpha), metrics errors + latency_p99 (Bonferroni alpha/2), every request a look; naive: one-sided z-test at alpha/2 every \(peekEvery) requests"
        )
        fflush(nil)
        print("scenario | rolled back | naive rolled back | candidate requests at rollback: median / p90 | seconds")
        let scenarios: [(String, (inout CanarySimulation) -> Void)] = [
            ("no difference (baseline 1 % errors)", { _ in }),
            ("p99 latency +20 %", { $0.latencyFactor = 1.2 }),
            ("p99 latency +10 %", { $0.latencyFactor = 1.1 }),
            ("errors +2 points (1 % → 3 %)", { $0.candidateErrorRate = 0.03 }),
            ("errors +1 point (1 % → 2 %)", { $0.candidateErrorRate = 0.02 }),
        ]
        for (name, setup) in scenarios {
            var simulation = CanarySimulation()
            simulation.requests = requests
            simulation.candidateShare = share
            simulation.alpha = alpha
            simulation.peekEvery = peekEvery
            setup(&simulation)
            let start = Date()
            let summary = simulation.summarize(rollouts: rollouts, firstSeed: seed)
            let seconds = Date().timeIntervalSince(start)
            func percent(_ value: Double) -> String { String(format: "%.1f %%", value * 100) }
            let sizes = summary.quantile(0.5).map { "\($0) / \(summary.quantile(0.9)!)" } ?? "-"
            print(
                "\(name) | \(percent(summary.rollbackRate)) | \(percent(summary.naiveRate)) | \(sizes) | \(String(format: "%.1f", seconds))"
            )
            fflush(nil)
        }
    }
}
