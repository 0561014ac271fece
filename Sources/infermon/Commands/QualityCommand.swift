import ArgumentParser
import InfermonConfig
import InfermonCore
import InfermonDaemon
import Judge
import Quality
import Store

/// `infermon quality calibrate`: fits the offline scorer to the gold labels of
/// each model and route, shows the operating point before and after, and stores
/// the fit for the daemon (read on its next pass, no restart needed).
struct QualityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quality",
        abstract: "Hallucination-rate tools: calibrate the offline scorer against gold labels.",
        subcommands: [Calibrate.self]
    )

    struct Calibrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit the scorer's threshold and a logistic calibration per model and route.",
            discussion: """
                Uses the gold-labelled events (quality.gold.sources) the scorer judged within --since. \
                The threshold is the one at which the scorer agrees best with gold (Cohen's kappa); the \
                logistic map turns a score into a probability, which the prediction-powered rate uses. \
                TPR, FPR and precision are shown with 95% Wilson intervals before and after.
                """)

        @OptionGroup var store: StoreOptionsGroup
        @Option(help: ArgumentHelp("Only this route.", valueName: "route")) var route: String?
        @Option(help: ArgumentHelp("Only this model.", valueName: "model")) var model: String?
        @Option(help: ArgumentHelp("How far back to read judged events.", valueName: "duration"))
        var since: String = "30d"
        @Flag(help: "Show the fit without storing it.") var dryRun = false

        func run() async throws {
            LogSetup.bootstrap(level: store.logLevel, json: false)
            do {
                let configuration = try store.loadConfiguration()
                guard let lookback = TimeParsing.durationMillis(since), lookback > 0 else {
                    throw InfermonError.invalidArgument("--since \(since) is not a duration")
                }
                let options = configuration.quality.options
                let judgeName = configuration.llmJudge?.name ?? "llm"
                let policy = GoldPolicy(
                    labelName: options.gold.labelName,
                    sources: options.gold.sources.map { $0 == "judge" ? judgeName : $0 },
                    scorer: QualityMetrics.groundednessJudge)
                let now = SystemWallClock().now()
                let fitted = try await withConfiguredStore(configuration) { backend in
                    try await fit(backend.qualityStore, policy: policy, options: options, lookback: lookback, now: now)
                }
                print(dryRun ? "dry run: nothing stored" : "stored \(fitted) calibration(s)")
                if fitted == 0 { throw ExitCode(2) }
            } catch let exit as ExitCode {
                throw exit
            } catch {
                throw fail(error)
            }
        }

        /// Prints each model and route's report and stores its fit; returns how many were fitted.
        private func fit(
            _ database: any GoldJudgmentStore, policy: GoldPolicy, options: QualityOptions, lookback: Int64,
            now: Timestamp
        ) async throws -> Int {
            var current: [HallucinationEstimates.RouteKey: ScoreCalibration] = [:]
            for document in try await database.calibrations() {
                if let fitted = try? ScoreCalibration(json: document) {
                    current[HallucinationEstimates.RouteKey(model: fitted.model, route: fitted.route)] = fitted
                }
            }
            let events = try await database.scoredEvents(policy: policy, from: now - lookback, through: now)
            var groups: [HallucinationEstimates.RouteKey: [ScoredEvent]] = [:]
            for event in events
            where (model == nil || event.model == model) && (route == nil || event.route == route) {
                groups[HallucinationEstimates.RouteKey(model: event.model, route: event.route), default: []].append(
                    event)
            }
            guard !groups.isEmpty else {
                throw InfermonError.invalidArgument("no judged events for that model and route within \(since)")
            }
            var fitted = 0
            for (key, events) in groups.sorted(by: { $0.key < $1.key }) {
                let report = CalibrationReport(
                    model: key.model, route: key.route, events: events, current: current[key],
                    configuredThreshold: options.groundedness.threshold, now: now)
                for line in report.render() { print(line) }
                guard let calibration = report.calibration else { continue }
                fitted += 1
                if !dryRun {
                    try await database.storeCalibration(
                        model: key.model, route: key.route, document: calibration.json, at: now)
                }
            }
            return fitted
        }
    }
}
