import ArgumentParser
import Collectors
import InfermonConfig
import InfermonCore
import InfermonDaemon
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the daemon: follow the configured log files into the store until stopped.",
        discussion: """
            With no --config, infermon follows ./logs/*.jsonl (native schema) into \
            ./infermon-data/infermon.db (or $STATE_DIRECTORY/infermon.db under systemd). \
            SIGTERM or SIGINT stop it cleanly: the last batch and its checkpoints are committed first.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Configuration file (YAML).", valueName: "file"))
    var config: String?

    func run() async throws {
        let configuration: Configuration
        do {
            configuration =
                try config.map {
                    try ConfigurationLoader.load(path: $0)
                }
                ?? Configuration()
        } catch {
            throw fail(error)
        }
        LogSetup.bootstrap(level: configuration.log.level, json: configuration.log.format == .json)
        let tuned = FreedMemory.tuneForDaemon(environment: processEnvironment)
        Logger(label: "infermon.serve").debug("malloc tuned", metadata: ["settings": "\(tuned)"])
        do {
            let daemon = try await Daemon.open(
                config: configuration, configPath: config, environment: processEnvironment)
            try await daemon.run()
        } catch {
            throw fail(error)
        }
    }
}
