import ArgumentParser
import InfermonCore
import Logging
import Store

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show what the store holds: events, series, time range, dead letters by reason, size."
    )

    @OptionGroup var store: StoreOptionsGroup

    func run() throws {
        LogSetup.bootstrap(level: store.logLevel, json: false)
        let stats: StoreStats
        let unpriced: [(model: String, requests: Double)]
        do {
            let configuration = try store.loadConfiguration()
            let database = try Daemon.openStore(for: configuration)
            defer { database.close() }
            stats = try database.stats()
            unpriced = try unpricedRequests(database)
            print("store:          \(database.path) (\(formatBytes(stats.sizeBytes)))")
        } catch {
            throw fail(error)
        }
        print("events:         \(stats.events)")
        if let first = stats.firstEvent, let last = stats.lastEvent {
            print("time range:     \(TimeParsing.formatRFC3339(first)) … \(TimeParsing.formatRFC3339(last))")
        }
        print(
            "label sets:     \(stats.eventKeys) (rollup interval \(TimeParsing.formatDuration(stats.rollupInterval)), \(stats.rollupRows) rollups)"
        )
        print("named series:   \(stats.namedSeries) (\(stats.storedSamples) samples in \(stats.chunks) chunks)")
        let rejected = stats.deadLetters.reduce(0) { $0 + $1.count }
        print("dead letters:   \(rejected)")
        for letter in stats.deadLetters {
            print("  \(letter.kind): \(letter.count)  (latest: \(letter.latestReason))")
        }
        if !stats.expiredOnArrival.isEmpty {
            let total = stats.expiredOnArrival.reduce(0) { $0 + $1.events }
            print("expired on arrival: \(total) (older than the event retention; kept in rollups only)")
            for entry in stats.expiredOnArrival {
                print(
                    "  \(entry.source.isEmpty ? "(unnamed)" : entry.source): \(entry.events)  (last cut-off: \(TimeParsing.formatRFC3339(entry.lastCutoff)))"
                )
            }
        }
        printUnpriced(unpriced)
        if !stats.checkpoints.isEmpty {
            print("inputs:")
            for checkpoint in stats.checkpoints {
                print("  \(checkpoint.source) \(checkpoint.path): line \(checkpoint.line), byte \(checkpoint.offset)")
            }
        }
    }
}

func formatBytes(_ bytes: Int64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024, unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return unit == 0 ? "\(bytes) B" : "\((value * 10).rounded() / 10) \(units[unit])"
}
