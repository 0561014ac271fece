import ArgumentParser
import InfermonConfig
import InfermonCore
import Logging
import PostgresStore
import Store

/// `infermon store …`: work on whole stores.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Work on whole stores: copy an SQLite store into PostgreSQL.",
        subcommands: [StoreCopyCommand.self]
    )
}

/// `infermon store copy --from sqlite:PATH --to postgres:URL`: moves one
/// host's SQLite store into a (shared) PostgreSQL database.
struct StoreCopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy an SQLite store into a PostgreSQL database.",
        discussion: """
            Copies raw events with their texts, rollups (counters, histograms, sketches), named series, dead \
            letters, file checkpoints (under --host-name), alert states, silences, the notification outbox and \
            log, and drift baselines. Each chunk of rows is one transaction with the copy's position, so an \
            interrupted copy resumes where it stopped when the same command is run again. Stop the daemon \
            writing to the SQLite file first. A database that already holds events is refused unless \
            --append is given (its counts are then added to).
            """
    )

    @Option(help: ArgumentHelp("The SQLite store: sqlite:PATH (or a path).", valueName: "sqlite:path"))
    var from: String

    @Option(
        help: ArgumentHelp(
            "The target: postgres:postgres://user@host:port/db (or the URL alone); postgres: alone takes "
                + "storage.postgres of --config.", valueName: "postgres:url"))
    var to: String

    @Option(help: ArgumentHelp("The target's password: the first line of this file.", valueName: "file"))
    var passwordFile: String?

    @Option(help: ArgumentHelp("TLS to the target: disable, require or verify-full.", valueName: "mode"))
    var tls: String?

    @Option(help: ArgumentHelp("CA certificate for verify-full (default: the system's).", valueName: "file"))
    var caFile: String?

    @Option(
        help: ArgumentHelp(
            "The name the daemon on the new store will have (storage.postgres.host_name): file checkpoints "
                + "are stored under it (default: this host's name).", valueName: "name"))
    var hostName: String?

    @Option(help: ArgumentHelp("Configuration whose storage.postgres gives the target.", valueName: "file"))
    var config: String?

    @Flag(help: "Copy into a database that already holds events, adding this store's counts to its own.")
    var append = false

    @Option(help: ArgumentHelp("Rows per transaction.", valueName: "n"))
    var batch = 5000

    @Option(help: .hidden)
    var stopAfterChunks: Int?

    @Option(name: .long, help: ArgumentHelp("Log level: trace, debug, info, warning, error.", valueName: "level"))
    var logLevel: String = "warning"

    func run() async throws {
        LogSetup.bootstrap(level: logLevel, json: false)
        let report: StoreCopyReport
        let settings: PostgresSettings
        let path: String
        do {
            path = try sourcePath()
            settings = try target()
            var options = StoreCopyOptions()
            options.append = append
            options.batchRows = max(1, batch)
            options.stopAfterChunks = stopAfterChunks
            printError("copying \(path) to \(settings.redactedURL)")
            report = try await StoreCopy.run(
                from: path, to: settings, options: options, logger: Logger(label: "infermon.store-copy"),
                progress: { printError("  " + $0) })
        } catch {
            throw fail(error)
        }
        print(
            "copied \(path) to \(settings.redactedURL) in \(formatSeconds(report.seconds))\(report.resumed ? " (resumed)" : "")"
        )
        let width = report.tables.map(\.name.count).max() ?? 0
        for (name, rows) in report.tables {
            print("  \(name)\(String(repeating: " ", count: width - name.count))  \(rows)")
        }
    }

    private func sourcePath() throws -> String {
        if from.hasPrefix("sqlite:") { return String(from.dropFirst("sqlite:".count)) }
        if from.hasPrefix("postgres") {
            throw InfermonError.invalidArgument("--from must be an SQLite store (sqlite:PATH)")
        }
        return from
    }

    private func target() throws -> PostgresSettings {
        var url = to
        if url.hasPrefix("postgres:") && !url.hasPrefix("postgres://") {
            url = String(url.dropFirst("postgres:".count))
        }
        var settings: PostgresSettings
        if url.isEmpty {
            guard let config else {
                throw InfermonError.invalidArgument(
                    "--to postgres: without a URL needs --config with a storage.postgres section")
            }
            guard let configured = try ConfigurationLoader.load(path: config).storage.postgres else {
                throw InfermonError.invalidArgument("\(config) has no storage.postgres section")
            }
            settings = configured
        } else {
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
                throw InfermonError.invalidArgument("--to must be postgres:postgres://user@host:port/database")
            }
            settings = try PostgresSettings(url: url)
        }
        if let passwordFile { settings.passwordFile = passwordFile }
        if let tls {
            guard let mode = PostgresSettings.TLSMode(rawValue: tls) else {
                throw InfermonError.invalidArgument("--tls must be one of disable, require, verify-full")
            }
            settings.tls = mode
        }
        if let caFile { settings.caFile = caFile }
        if let hostName { settings.hostName = hostName }
        return settings
    }

    private func formatSeconds(_ seconds: Double) -> String {
        seconds < 10 ? "\((seconds * 100).rounded() / 100) s" : "\(Int(seconds.rounded())) s"
    }
}
