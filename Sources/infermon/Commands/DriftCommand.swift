import ArgumentParser
import Detectors
import InfermonConfig
import InfermonCore
import InfermonDaemon
import Logging
import Store

struct DriftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Measure drift between a reference window and the current one.",
        subcommands: [Report.self]
    )

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One row per model and field: test, statistic, p-value, threshold, verdict, sizes, moved bins.",
            discussion: """
                The current window is --from … --to (default: the configured detectors.window ending now). \
                The reference is, in order of precedence: --baseline NAME, --reference-from/--reference-to, \
                --previous DURATION (the period just before the current window), or the configuration's \
                detectors.reference. Tests, thresholds and the significance level come from the configuration.
                """)

        @OptionGroup var store: StoreOptionsGroup
        @Option(help: ArgumentHelp("Only this model.", valueName: "model")) var model: String?
        @Option(help: ArgumentHelp("Start of the current window (RFC 3339, now-<duration>).", valueName: "time"))
        var from: String?
        @Option(help: ArgumentHelp("End of the current window.", valueName: "time")) var to: String = "now"
        @Option(help: ArgumentHelp("Compare with this saved baseline.", valueName: "name")) var baseline: String?
        @Option(help: ArgumentHelp("Start of a fixed reference window.", valueName: "time")) var referenceFrom: String?
        @Option(help: ArgumentHelp("End of a fixed reference window.", valueName: "time")) var referenceTo: String?
        @Option(
            help: ArgumentHelp("Reference: the period of this length before the current window.", valueName: "duration")
        )
        var previous: String?
        @Option(help: ArgumentHelp("table, json or markdown.", valueName: "format")) var format: DriftReportFormat =
            .table
        @Option(
            name: .customLong("by"),
            help: ArgumentHelp(
                "Also compare per value of this label within each model: tenant, route or model_version (repeatable).",
                valueName: "label"))
        var groupBy: [String] = []
        @Flag(help: "Exit with status 2 when any field drifted.") var failOnDrift = false

        func run() async throws {
            LogSetup.bootstrap(level: store.logLevel, json: false)
            let results: [ModelDrift]
            do {
                let configuration = try store.loadConfiguration()
                results = try await withConfiguredStore(configuration) { backend in
                    let database = backend.store
                    var options = configuration.detectors
                    options.drift.computeAllScores = true
                    let now = SystemWallClock().now()
                    let end = try parseCommandTime(to, now: now)
                    let start = try from.map { try parseCommandTime($0, now: now) } ?? end - options.window.millis + 1
                    guard start < end else { throw InfermonError.invalidArgument("--from must be before --to") }
                    let query = { (from: Timestamp, through: Timestamp) in
                        EventWindowQuery(
                            from: from, through: through, model: model,
                            responsePrefixLength: options.responsePrefixLength,
                            limitPerModel: options.maximumEventsPerModel)
                    }
                    let current = try database.eventColumns(query(start, end))
                    let reference: [EventColumns]
                    if let baseline {
                        reference = try DriftReference.baseline(
                            baseline, store: database, model: model, hint: "see `infermon baseline list`")
                    } else if let referenceFrom {
                        let referenceStart = try parseCommandTime(referenceFrom, now: now)
                        let referenceEnd = try referenceTo.map { try parseCommandTime($0, now: now) } ?? start - 1
                        reference = try database.eventColumns(query(referenceStart, referenceEnd))
                    } else if let previous {
                        guard let length = TimeParsing.durationMillis(previous), length > 0 else {
                            throw InfermonError.invalidArgument("--previous expects a duration such as 24h")
                        }
                        reference = try database.eventColumns(query(start - length, start - 1))
                    } else {
                        reference = try DriftReference.configured(
                            store: database, reference: options.reference, window: query(start, end), start: start
                        ).columns
                    }
                    if let model, !current.contains(where: { $0.model == model }),
                        !reference.contains(where: { $0.model == model })
                    {
                        throw InfermonError.invalidArgument(
                            "no events of model \"\(model)\" in the current or the reference window"
                                + " (model names are matched exactly; `infermon sql` lists them)")
                    }
                    var drift = DriftEvaluation.compare(
                        reference: reference, current: current, settings: options.drift,
                        excluded: options.excludedFields)
                    for label in groupBy {
                        guard DetectorOptions.groupableLabels.contains(label) else {
                            throw InfermonError.invalidArgument(
                                "--by takes \(DetectorOptions.groupableLabels.joined(separator: ", ")), not \"\(label)\""
                            )
                        }
                        drift += DriftEvaluation.compare(
                            groupedReference: DriftEvaluation.groupedReference(
                                reference, by: label, excluded: options.excludedFields), current: current, by: label,
                            settings: options.drift,
                            excluded: options.excludedFields)
                    }
                    return drift
                }
            } catch {
                throw fail(error)
            }
            print(DriftReportRenderer.render(results, format: format), terminator: "")
            if failOnDrift && results.contains(where: { $0.fields.contains(where: \.isDrift) }) {
                throw ExitCode(2)
            }
        }
    }
}

enum DriftReportFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, markdown
}
