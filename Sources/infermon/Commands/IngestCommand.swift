import ArgumentParser
import Collectors
import InfermonConfig
import InfermonCore
import Logging
import Store

struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Import log files once, then print how many lines were accepted and rejected.",
        discussion: """
            Each line is one request in the chosen profile's format. Lines that do not parse are kept \
            as dead letters (see `infermon stats`). Events go through the same stages as in the daemon: \
            pricing, spend, token and SLO counters, and redaction of secrets. The exit status is non-zero if \
            a file cannot be read. Do not ingest a file that a running daemon also follows: it would be \
            counted twice; while a daemon runs, push events to it (POST /api/v1/events) instead, so one \
            process keeps the counters.
            """
    )

    @Argument(help: ArgumentHelp("Files to import.", valueName: "file"))
    var files: [String]

    @Option(help: ArgumentHelp("Line format: \(ProfileKind.names).", valueName: "profile"))
    var profile: String = "native"

    @OptionGroup var store: StoreOptionsGroup

    func run() async throws {
        LogSetup.bootstrap(level: store.logLevel, json: false)
        guard let kind = ProfileKind(rawValue: profile) else {
            throw ValidationError("unknown profile \"\(profile)\"; choose one of \(ProfileKind.names)")
        }
        let database: SQLiteStore
        let sink: StagedSink
        let timestamps: TimestampPolicy
        do {
            let configuration = try store.loadConfiguration()
            timestamps = configuration.storage.timestamps
            database = try Daemon.openStore(for: configuration)
            let clock = SystemWallClock()
            let stages = try LLMOpsWiring.ingestStages(
                config: configuration, querier: database, now: clock.now(), logger: Logger(label: "infermon.llmops"))
            sink = StagedSink(
                stages: stages + [
                    try QualityWiring.securityStage(config: configuration, store: database, clock: clock)
                ],
                next: database)
        } catch {
            throw fail(error)
        }
        defer { database.close() }
        var unreadable = 0
        var total = IngestTotals()
        for file in files {
            do {
                let batches = try FileBatches(
                    path: file, source: "ingest", profile: kind.makeProfile(), timestamps: timestamps)
                while var batch = try batches.next() {
                    // An import run twice (or a file given twice) is a re-delivery: skip ids already stored.
                    batch.deduplicateByRequestID = true
                    try await sink.write(batch)
                }
                let totals = batches.totals
                print("\(file): \(totals.events) accepted, \(totals.deadLetters) rejected")
                total.events += totals.events
                total.deadLetters += totals.deadLetters
            } catch {
                printError("infermon: \(file): \(error)")
                unreadable += 1
            }
        }
        if files.count > 1 { print("total: \(total.events) accepted, \(total.deadLetters) rejected") }
        if unreadable > 0 { throw ExitCode(2) }
    }
}
