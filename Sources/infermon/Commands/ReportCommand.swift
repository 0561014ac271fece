import ArgumentParser
import InfermonConfig
import InfermonCore
import InfermonDaemon
import Logging
import Reports
import Store

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a monitoring report for a period: one self-contained HTML file, or Markdown.",
        discussion: """
            Traffic and errors, latency and time-to-first-token quantiles, cost against budgets with the \
            forecast, SLO burn, drift (against the configured reference; a previous-period reference becomes \
            the period of the report's length just before it), the hallucination rate with its interval, \
            performance and calibration where labels exist, alerts fired, notifications sent, canary verdicts. \
            The HTML has its charts as inline SVG and fetches nothing. Times: RFC 3339, Unix seconds, now, \
            now-<duration>. Examples:
              infermon report --from now-7d --format html --output weekly.html
              infermon report --from 2026-11-30T00:00:00Z --to 2026-12-07T00:00:00Z --model chat --format markdown
            """)

    @OptionGroup var store: StoreOptionsGroup
    @Option(help: ArgumentHelp("Start of the period (default: 24 hours before --to).", valueName: "time"))
    var from: String?
    @Option(help: ArgumentHelp("End of the period.", valueName: "time")) var to: String = "now"
    @Option(help: ArgumentHelp("Only this model.", valueName: "model")) var model: String?
    @Option(help: ArgumentHelp("html or markdown.", valueName: "format")) var format: ReportOutputFormat = .html
    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file"))
    var output: String?
    @Option(help: ArgumentHelp("The report's title.", valueName: "text")) var title: String?

    func run() async throws {
        LogSetup.bootstrap(level: store.logLevel, json: false)
        let text: String
        do {
            let configuration = try store.loadConfiguration()
            let now = SystemWallClock().now()
            let end = try parseCommandTime(to, now: now)
            let start = try from.map { try parseCommandTime($0, now: now) } ?? end - 86_400_000
            guard start < end else { throw InfermonError.invalidArgument("--from must be before --to") }
            text = try await withConfiguredStore(configuration) { backend in
                let report = await ReportBuilder(
                    inputs: ReportsWiring.inputs(config: configuration, store: backend.store)
                ).build(from: start, to: end, model: model, title: title, generatedAt: now)
                return ReportService.render(report, as: format.format)
            }
            if let output { try writeTextFile(text, to: output) }
        } catch {
            throw fail(error)
        }
        if output == nil { print(text, terminator: "") }
    }
}

enum ReportOutputFormat: String, ExpressibleByArgument, CaseIterable {
    case html, markdown

    var format: ReportFormat { self == .html ? .html : .markdown }
}
