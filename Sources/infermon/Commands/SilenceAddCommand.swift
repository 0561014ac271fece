import ArgumentParser
import InfermonCore
import InfermonDaemon
import Notify

struct SilenceAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Create a silence; prints its id.",
        discussion: """
            Matchers use Alertmanager's syntax: alertname=HighErrorRate 'model=~"gpt-4o.*"' env!=staging. \
            An alert is muted when all matchers match.
            """
    )

    @OptionGroup var store: StoreOptionsGroup

    @Argument(help: ArgumentHelp("Matchers such as alertname=X or 'severity=~\"warn|info\"'.", valueName: "matcher"))
    var matchers: [String]

    @Option(name: .long, help: ArgumentHelp("How long the silence lasts, such as 2h.", valueName: "duration"))
    var duration: String = "1h"

    @Option(name: .long, help: ArgumentHelp("Start time (RFC 3339); now when omitted.", valueName: "time"))
    var start: String?

    @Option(name: .long, help: ArgumentHelp("End time (RFC 3339); overrides --duration.", valueName: "time"))
    var end: String?

    @Option(name: .long, help: ArgumentHelp("Who creates it; $USER when omitted.", valueName: "name"))
    var author: String?

    @Option(name: .long, help: ArgumentHelp("Why (required).", valueName: "text"))
    var comment: String

    func run() async throws {
        do {
            let parsed = try matchers.flatMap { try LabelMatcher.parseList($0) }
            let startsAt = try start.map { try time($0, "--start") }
            guard let length = TimeParsing.durationMillis(duration), length > 0 else {
                throw InfermonError.invalidArgument("--duration must be a duration such as 30m or 2h")
            }
            let author = author ?? processEnvironment["USER"] ?? "unknown"
            let silence = try await withSilences(store) { silences in
                let endsAt = try end.map { try time($0, "--end") } ?? (startsAt ?? SystemWallClock().now()) + length
                return try await silences.create(
                    matchers: parsed, startsAt: startsAt, endsAt: endsAt, createdBy: author, comment: comment)
            }
            print(silence.id)
        } catch {
            throw fail(error)
        }
    }

    private func time(_ text: String, _ option: String) throws -> Timestamp {
        guard let value = TimeParsing.rfc3339Millis(text) else {
            throw InfermonError.invalidArgument("\(option) must be an RFC 3339 time such as 2026-11-28T02:00:00Z")
        }
        return value
    }
}
