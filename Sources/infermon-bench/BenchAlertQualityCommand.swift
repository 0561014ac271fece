import ArgumentParser
import Foundation
import InfermonConfig
import InfermonCore
import LLMOps
import TrafficSimulator

/// `infermon bench alert-quality`: the shipped rules over quiet days with
/// realistic noise and a day of planted incidents; prints each kind's detection
/// delay and every false alarm. The README's "Alert quality" figures come from it.
struct BenchAlertQuality: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alert-quality",
        abstract:
            "Replay quiet days and a day of planted incidents through alert rules; print delays and false alarms.",
        discussion: """
            Traffic comes from the simulator with the example configuration's ingest stages (pricing, SLO \
            events); rules are evaluated every minute as the daemon does. Quiet days carry noise: a daily load \
            curve, llama-3.1-70b failing 5 % of its requests with a long latency tail, the other models failing \
            0.1 %. The incident day plants latency incidents (gpt-4o), cost spikes (claude-3-5-sonnet), error \
            incidents on three models and outages of two. Exits 1 on a false alarm or a missed incident.
            """)

    @Option(help: "Quiet days before the incident day.") var quietDays = 2
    @Option(help: "Mean requests per second at the daily average.") var baseRate = 0.5
    @Option(help: "Simulator seed.") var seed: UInt64 = 7
    @Option(help: ArgumentHelp("Repository root (rules/, deploy/).", valueName: "dir")) var root = "."
    @Option(help: "Rule files under rules/, comma-separated.") var rules = "serving.rules.yaml,slo.yaml"

    func run() async throws {
        var config = try ConfigurationLoader.load(path: root + "/deploy/infermon.example.yaml")
        config.pricing.path = root + "/rules/pricing.yaml"
        let scenario = AlertQualityScenario(
            start: 1_906_502_400_000,  // 2030-06-01 00:00 UTC: a manual clock, never the wall clock
            days: Array(repeating: AlertQualityScenario.noisy(.quiet), count: quietDays)
                + [AlertQualityScenario.incidentDay()],
            baseRate: baseRate, seed: seed)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "infermon-alert-quality-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let started = monotonicNanoseconds()
        let firings = try await scenario.replay(
            ruleFiles: rules.split(separator: ",").map { root + "/rules/" + $0 }, configuration: config,
            storePath: directory.appendingPathComponent("store.db").path)
        let report = AlertQualityReport(scenario: scenario, firings: firings)
        print(report.text)
        print("replayed in \(String(format: "%.0f", Double(monotonicNanoseconds() - started) / 1e9)) s")
        if !report.falseAlarms.isEmpty || report.detections.contains(where: { $0.delay == nil }) { throw ExitCode(1) }
    }
}
