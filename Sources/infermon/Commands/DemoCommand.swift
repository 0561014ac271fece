import ArgumentParser
import Canary
import InfermonConfig
import InfermonCore
import InfermonDaemon
import Logging
import Server
import Store
import TrafficSimulator

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Generate realistic LLM traffic into ./logs/demo.jsonl and serve it with the built-in defaults.",
        discussion: """
            The traffic has several models and tenants, a daily load curve, and once per simulated day a \
            latency incident (06:00, gpt-4o slow), a cost spike (10:00, globex sends huge prompts), a drift \
            episode (from 14:00: longer prompts, a new dominant tenant "wayne") and an error burst (18:00). \
            The last --history of traffic is replayed --speed times faster than real time, then it continues live. \
            With --canary, a tenth of gpt-4o-mini's requests go to a candidate version 2025-01-canary that is \
            30 % slower and fails 3 points more often, and a rollout "demo-canary" is configured (unless the \
            configuration has rollouts): watch `infermon canary --model gpt-4o-mini --baseline \
            model_version=2024-07-18 --candidate model_version=2025-01-canary --watch` say rollback.
            """
    )

    @Option(help: ArgumentHelp("How much past traffic to replay first, e.g. 24h.", valueName: "duration"))
    var history: String = "24h"

    @Option(help: ArgumentHelp("Replay speed, as a multiple of real time.", valueName: "factor"))
    var speed: Double = 720

    @Option(help: ArgumentHelp("Average requests per second of simulated time.", valueName: "rate"))
    var rate: Double = 2

    @Option(help: ArgumentHelp("Log file to write.", valueName: "path"))
    var file: String = "./logs/demo.jsonl"

    @Option(
        name: .long,
        help: ArgumentHelp("Configuration file; the demo's log file must match one of its sources.", valueName: "file"))
    var config: String?

    @Flag(help: "Add a canary rollout with a planted regression (see above).") var canary = false

    @Option(help: ArgumentHelp("Seed of the generated traffic (default: from the clock).", valueName: "n"))
    var seed: UInt64?

    func run() async throws {
        guard let historyMillis = TimeParsing.durationMillis(history), speed >= 1, rate > 0 else {
            throw ValidationError("--history must be a duration such as 24h, --speed at least 1, --rate above 0")
        }
        do {
            var configuration =
                try config.map {
                    try ConfigurationLoader.load(path: $0)
                }
                ?? Configuration()
            LogSetup.bootstrap(level: configuration.log.level, json: configuration.log.format == .json)
            try makeParentDirectory(of: file)
            var schedule = TrafficGenerator.Schedule()
            if canary {
                let scenario = TrafficGenerator.CanaryScenario()
                schedule.canary = scenario
                if configuration.canaries.rollouts.isEmpty {
                    configuration.canaries.rollouts = [Self.rollout(scenario)]
                }
            }
            let traffic = TrafficFileWriter(
                path: file, history: historyMillis, speed: speed, baseRate: rate, schedule: schedule, seed: seed,
                logger: Logger(label: "infermon.demo"))
            let daemon = try Daemon.make(
                config: configuration, configPath: config, environment: processEnvironment, extraServices: [traffic])
            let address = "http://\(configuration.server.listen)"
            print(
                """
                infermon demo: writing \(file), store \(daemon.store.path); press Ctrl-C to stop.
                While it runs, in another terminal:
                  .build/release/infermon dash                      # the dashboards, live
                  .build/release/infermon alerts --server \(address)  # what fires (a latency incident, a cost spike,
                                                                    # drift and an error burst each simulated day)
                  .build/release/infermon query 'sum by (model) (rate(infermon_requests_total[5m]))'
                  .build/release/infermon drift report              # which input fields moved
                  .build/release/infermon stats                     # what is stored, and each component's state
                  curl -s \(address)/metrics | head                  # what a Prometheus would scrape
                """
                    + (canary
                        ? "  .build/release/infermon canary --model gpt-4o-mini --baseline model_version=2024-07-18"
                            + " --candidate model_version=2025-01-canary --watch   # the planted regression\n"
                        : ""))
            try await daemon.run()
        } catch {
            throw fail(error)
        }
    }

    /// The rollout `--canary` watches: the scenario's two versions of its model, at its share.
    static func rollout(_ scenario: TrafficGenerator.CanaryScenario) -> CanaryDefinition {
        var rollout = CanaryDefinition(
            name: "demo-canary", baseline: CanarySelector(["model_version": scenario.baselineVersion]),
            candidate: CanarySelector(["model_version": scenario.candidateVersion]))
        rollout.common = ["model": scenario.model]
        rollout.trafficShare = scenario.share
        return rollout
    }
}
