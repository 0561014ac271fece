import ArgumentParser
import Collectors
import InfermonConfig
import InfermonCore
import Store

/// Options every command that touches the store shares.
struct StoreOptionsGroup: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("Configuration file (YAML). Without it the built-in defaults apply.", valueName: "file"))
    var config: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Database file, overriding the configuration's storage.path.", valueName: "path"))
    var db: String?

    @Option(name: .long, help: ArgumentHelp("Log level: trace, debug, info, warning, error.", valueName: "level"))
    var logLevel: String = "warning"

    func loadConfiguration() throws -> Configuration {
        var configuration =
            try config.map { try ConfigurationLoader.load(path: $0) }
            ?? Configuration()
        if let db { configuration.storage.path = db }
        return configuration
    }
}

/// Turns an error into a message and exit code a shell user understands.
func fail(_ error: any Error) -> ExitCode {
    var message = "\(error)"
    if let infermon = error as? InfermonError { message = infermon.description }
    printError("infermon: \(message)")
    return ExitCode(1)
}

func printError(_ text: String) {
    var line = Array((text + "\n").utf8)
    _ = line.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
}

#if canImport(Glibc)
    import Glibc
#endif
