import ArgumentParser
import InfermonConfig
import InfermonCore
import InfermonDaemon
import Logging
import Notify
import Store

/// `infermon silence add|list|expire`, working on the store (the SQLite file
/// or the PostgreSQL database) directly, so it works whether or not the daemon
/// runs; a running daemon picks changes up within seconds.
struct SilenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "silence",
        abstract: "Mute alerts for a while: add, list and expire silences.",
        subcommands: [SilenceAddCommand.self, SilenceListCommand.self, SilenceExpireCommand.self]
    )
}

/// Opens the store named by the shared options and runs `body` with its silences.
func withSilences<T>(_ options: StoreOptionsGroup, _ body: (Silences) async throws -> T) async throws -> T {
    LogSetup.bootstrap(level: options.logLevel, json: false)
    let configuration = try options.loadConfiguration()
    return try await withConfiguredStore(configuration) { backend in
        try await body(Silences(store: backend.store, retention: configuration.notifications.silenceRetention))
    }
}

func describe(_ silence: Silence, now: Timestamp) -> String {
    let matchers = "{" + silence.matchers.map(\.description).joined(separator: ", ") + "}"
    return """
        \(silence.id)  \(silence.state(at: now).rawValue)
          matchers: \(matchers)
          from \(TimeParsing.formatRFC3339(silence.startsAt)) until \(TimeParsing.formatRFC3339(silence.endsAt))
          by \(silence.createdBy): \(silence.comment)
        """
}
