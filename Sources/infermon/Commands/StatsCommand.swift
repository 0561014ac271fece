import ArgumentParser
import Foundation
import InfermonConfig
import InfermonCore
import InfermonDaemon
import Logging
import NIOHTTP1
import Server
import Store

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show what the store holds: events, series, time range, dead letters by reason, size."
    )

    @OptionGroup var store: StoreOptionsGroup

    @Option(
        help: ArgumentHelp(
            "The running daemon to ask for its components' state (default: the configured listen address).",
            valueName: "url"))
    var server: String?

    func run() async throws {
        LogSetup.bootstrap(level: store.logLevel, json: false)
        let stats: StoreStats
        let unpriced: [(model: String, requests: Double)]
        let configuration: Configuration
        do {
            configuration = try store.loadConfiguration()
            (stats, unpriced) = try await withConfiguredStore(configuration) { backend in
                let stats = try backend.stats()
                let unpriced = try unpricedRequests(backend.store)
                print("store:          \(backend.store.path) (\(formatBytes(stats.sizeBytes)))")
                return (stats, unpriced)
            }
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
        if configuration.storage.backend == .postgres {
            print("named series:   \(stats.namedSeries) (\(stats.storedSamples) samples)")
        } else {
            print("named series:   \(stats.namedSeries) (\(stats.storedSamples) samples in \(stats.chunks) chunks)")
        }
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
        await printComponents(configuration, server: server)
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

/// What the daemon serving this configuration says of its components, when it
/// runs: the store file cannot tell that a source has been failing for an hour.
func printComponents(_ configuration: Configuration, server: String?) async {
    var address = server ?? ""
    if server == nil {
        guard let listen = try? configuration.server.hostAndPort(), listen.port != 0 else { return }
        let host = ["0.0.0.0", "::", ""].contains(listen.host) ? "127.0.0.1" : listen.host
        address = "http://" + (host.contains(":") ? "[\(host)]:\(listen.port)" : "\(host):\(listen.port)")
    }
    guard
        let client = try? DaemonClient(server: address, tokenFile: configuration.server.tokenFile),
        let (status, body) = try? await client.request(.GET, "/api/v1/status/components", timeoutSeconds: 3),
        status == 200,
        let answer = try? JSONDecoder().decode(ComponentsAnswer.self, from: Data(body))
    else {
        print("daemon:         not answering at \(address)")
        return
    }
    print("daemon:         \(address)")
    print("components:")
    if answer.data.isEmpty { print("  (none reported yet)") }
    for component in answer.data {
        let state = component.up ? "up" : "DOWN, \(component.failures) failures: \(component.error ?? "")"
        print("  \(component.component): \(state) (since \(component.since))")
    }
}

private struct ComponentsAnswer: Decodable {
    var data: [ComponentStatus]
}
