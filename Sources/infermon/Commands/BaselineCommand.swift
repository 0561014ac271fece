import ArgumentParser
import Detectors
import InfermonCore
import InfermonDaemon
import Logging
import Store

struct BaselineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Save and list named reference windows for drift detection.",
        subcommands: [Save.self, List.self]
    )

    struct Save: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Snapshot the events of a time range as a named drift baseline.",
            discussion: """
                The baseline keeps the events' columns (not just the time range), so drift can be \
                measured against it after retention has deleted the raw events. Use it with \
                `detectors.reference.baseline: NAME` or `infermon drift report --baseline NAME`.
                """)

        @OptionGroup var store: StoreOptionsGroup
        @Option(help: ArgumentHelp("Start of the range (RFC 3339, now, now-<duration>).", valueName: "time"))
        var from: String
        @Option(help: ArgumentHelp("End of the range (inclusive).", valueName: "time")) var to: String = "now"
        @Option(help: ArgumentHelp("Name to save it under (replaces one of the same name).", valueName: "name"))
        var name: String
        @Option(help: ArgumentHelp("Only this model.", valueName: "model")) var model: String?
        @Option(help: "Keep at most this many events per model (the most recent).") var maxEvents = 200_000

        func run() async throws {
            LogSetup.bootstrap(level: store.logLevel, json: false)
            do {
                let configuration = try store.loadConfiguration()
                try await withConfiguredStore(configuration) { backend in
                    let database = backend.store
                    let now = SystemWallClock().now()
                    let start = try parseCommandTime(from, now: now)
                    let end = try parseCommandTime(to, now: now)
                    guard start < end else { throw InfermonError.invalidArgument("--from must be before --to") }
                    guard !name.isEmpty else { throw InfermonError.invalidArgument("--name must not be empty") }
                    let columns = try database.eventColumns(
                        EventWindowQuery(
                            from: start, through: end, model: model,
                            responsePrefixLength: DetectorOptions().responsePrefixLength,
                            limitPerModel: maxEvents))
                    let events = columns.reduce(0) { $0 + $1.count }
                    guard events > 0 else { throw InfermonError.invalidArgument("no events between \(from) and \(to)") }
                    try await database.saveBaseline(
                        DriftBaseline(name: name, from: start, through: end, createdAt: now, columns: columns))
                    print("saved baseline \"\(name)\": \(events) events of \(columns.count) model(s)")
                }
            } catch {
                throw fail(error)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List saved baselines.")
        @OptionGroup var store: StoreOptionsGroup

        func run() async throws {
            LogSetup.bootstrap(level: store.logLevel, json: false)
            do {
                let configuration = try store.loadConfiguration()
                let baselines = try await withConfiguredStore(configuration) { try $0.store.baselines() }
                for info in baselines {
                    print(
                        "\(info.name)\t\(TimeParsing.formatRFC3339(info.from)) … \(TimeParsing.formatRFC3339(info.through))\t\(info.events) events"
                    )
                }
            } catch {
                throw fail(error)
            }
        }
    }
}
