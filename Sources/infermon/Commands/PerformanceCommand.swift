import ArgumentParser
import InfermonConfig
import InfermonCore
import InfermonDaemon
import Performance
import Store

/// `infermon performance report`: model performance from late labels, the sibling of `drift report`.
struct PerformanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "performance",
        abstract: "Model performance from delayed ground truth: realised, calibrated, and estimated (CBPE).",
        subcommands: [Report.self]
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One row per model and window: realised metrics, calibration, and the CBPE estimate.",
            discussion: """
                Windows of --window (default: the first of performance.windows) between --from and --to, \
                aligned as the daemon aligns them. Labels are joined by request id as the daemon joins them \
                (performance.label, performance.horizon). The CBPE estimate uses the labelled reference that \
                ends where the horizon before --to starts (performance.reference), calibrated as configured.
                """)

        @OptionGroup var store: StoreOptionsGroup
        @Option(help: ArgumentHelp("Only this model.", valueName: "model")) var model: String?
        @Option(help: ArgumentHelp("Start (RFC 3339, now-<duration>).", valueName: "time")) var from: String = "now-1d"
        @Option(help: ArgumentHelp("End.", valueName: "time")) var to: String = "now"
        @Option(help: ArgumentHelp("Window length, e.g. 1h.", valueName: "duration")) var window: String?
        @Option(help: ArgumentHelp("table or json.", valueName: "format")) var format: Format = .table

        func run() async throws {
            LogSetup.bootstrap(level: store.logLevel, json: false)
            do {
                let configuration = try store.loadConfiguration()
                let options = configuration.performance
                let length =
                    try window.map {
                        guard let millis = TimeParsing.durationMillis($0), millis > 0 else {
                            throw InfermonError.invalidArgument("--window \($0) is not a duration")
                        }
                        return millis
                    } ?? options.windows[0].millis
                let now = SystemWallClock().now()
                let end = try parseCommandTime(to, now: now)
                let start = try parseCommandTime(from, now: now)
                guard start < end else { throw InfermonError.invalidArgument("--from must be before --to") }
                var windows = try await withConfiguredStore(configuration) { backend in
                    let database = backend.performanceStore
                    let references = try await PerformanceService.references(
                        options: options, store: database, now: end)
                    let evaluator = WindowEvaluator(options: options)
                    var windows: [WindowPerformance] = []
                    for windowStart in WindowEvaluator.windowStarts(length: length, endingAfter: start, through: end) {
                        windows += try await PerformanceService.evaluate(
                            evaluator: evaluator, store: database, start: windowStart, length: length, model: model,
                            references: references)
                    }
                    return windows
                }
                windows.sort { ($0.model, $0.start) < ($1.model, $1.start) }
                switch format {
                case .json: print(PerformanceReport.json(windows))
                case .table: print(PerformanceReport.text(windows), terminator: "")
                }
            } catch {
                throw fail(error)
            }
        }
    }
}
