import ArgumentParser
import Collectors
import InfermonConfig
import InfermonCore
import InfermonDaemon
import Logging
import Store

#if canImport(Glibc)
    import Glibc
#endif

struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Import log files once, then print how many lines were accepted and rejected.",
        discussion: """
            Each line is one request in the chosen profile's format. Lines that do not parse are kept \
            as dead letters (see `infermon stats`). Events go through the same stages as in the daemon: \
            pricing, spend, token and SLO counters, and redaction of secrets. The exit status is non-zero if \
            a file cannot be read. An SQLite store takes one event-writing process at a time: while \
            `infermon serve` or another import writes into the same file, ingest refuses at once and \
            writes nothing; push the events to the running daemon (POST /api/v1/events) instead, so one \
            process keeps the counters. Do not ingest a file that a running daemon also follows: it would \
            be counted twice.
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
        var opened: StoreBackend?
        let sink: StagedSink
        let timestamps: TimestampPolicy
        let configuration: Configuration
        do {
            configuration = try store.loadConfiguration()
            timestamps = configuration.storage.timestamps
            // Refused here, before the file is opened, when a daemon or another import writes events into it.
            let backend = try await StoreBackend.openForCommand(
                config: configuration, environment: processEnvironment, eventWriter: true)
            opened = backend
            let database = backend.store
            let clock = SystemWallClock()
            let stages = try LLMOpsWiring.ingestStages(
                config: configuration, querier: database, now: clock.now(), logger: Logger(label: "infermon.llmops"))
            sink = StagedSink(
                stages: stages + [
                    try QualityWiring.securityStage(config: configuration, store: database, clock: clock)
                ],
                next: database)
        } catch {
            await opened?.store.closeStore()
            throw fail(error)
        }
        guard let backend = opened else { return }
        var unreadable = 0
        var total = IngestTotals()
        for file in files {
            do {
                let batches = try FileBatches(
                    path: file, source: "ingest", profile: kind.makeProfile(), timestamps: timestamps)
                var progress = ProgressLine(file: file)
                while var batch = try batches.next() {
                    // An import run twice (or a file given twice) is a re-delivery: skip ids already stored.
                    batch.deduplicateByRequestID = true
                    try await sink.write(batch)
                    progress.update(batches.totals)
                }
                progress.finish()
                let totals = batches.totals
                print("\(file): \(totals.events) accepted, \(totals.deadLetters) rejected")
                total.events += totals.events
                total.deadLetters += totals.deadLetters
            } catch {
                printError("infermon: \(file): \(StoreBackend.commandError(error, config: configuration))")
                unreadable += 1
            }
        }
        await backend.store.closeStore()
        if files.count > 1 { print("total: \(total.events) accepted, \(total.deadLetters) rejected") }
        if unreadable > 0 { throw ExitCode(2) }
    }
}

/// A progress line on standard error for imports that take a while: lines,
/// events and the rate, rewritten in place every second on a terminal, a line
/// every 10 s otherwise; nothing for an import that finishes within a second.
struct ProgressLine {
    let file: String
    let started = monotonicNanoseconds()
    var lastShown: UInt64 = 0
    var shown = false
    let terminal = isatty(2) != 0

    init(file: String) { self.file = file }

    mutating func update(_ totals: IngestTotals) {
        let now = monotonicNanoseconds()
        let every: UInt64 = terminal ? 1_000_000_000 : 10_000_000_000
        guard now - started >= 1_000_000_000, now - lastShown >= every else { return }
        lastShown = now
        shown = true
        let seconds = Double(now - started) / 1e9
        let rate = Int(Double(totals.events) / seconds)
        let text =
            "\(file): \(totals.lines) lines, \(totals.events) events, \(totals.deadLetters) rejected, \(rate) events/s"
        if terminal {
            var bytes = Array(("\r" + text + "\u{1B}[K").utf8)
            _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
        } else {
            printError(text)
        }
    }

    func finish() {
        guard shown, terminal else { return }
        var newline: [UInt8] = [0x0A]
        _ = newline.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }
}
