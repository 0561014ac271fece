import ArgumentParser
import Collectors
import InfermonConfig
import InfermonCore
import InfermonDaemon
import Server
import Store

#if canImport(Glibc)
    import Glibc
#endif

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Work with configuration files.",
        subcommands: [Check.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate a configuration file as serve would start it; every error, as file:line:col.",
            discussion: """
                Runs the checks `serve` makes before it starts: the file's syntax and keys, then \
                the files, environment variables and globs it refers to (token file, price table, \
                rule files, receivers' URL files, the judge's key). Without a file, checks the \
                built-in defaults and prints them.
                """
        )

        @Argument(help: ArgumentHelp("The YAML file to check.", valueName: "file"))
        var file: String?

        func run() throws {
            let configuration: Configuration
            do {
                configuration =
                    try file.map {
                        try ConfigurationLoader.load(path: $0)
                    }
                    ?? Configuration()
            } catch {
                throw fail(error)
            }
            // The same checks `serve` makes at start-up, every problem at once.
            let problems = StartupCheck.problems(configuration, environment: processEnvironment)
            if !problems.isEmpty {
                throw fail(problems.count == 1 ? problems[0] : ConfigurationProblems(problems))
            }
            let name = file ?? "built-in defaults"
            print("\(name): ok")
            let store =
                configuration.storage.backend == .postgres
                ? configuration.storage.postgres?.redactedURL ?? "postgres"
                : configuration.storage.resolvedPath(environment: processEnvironment)
            print("  store:   \(store)")
            print("  listen:  \(configuration.server.listen)")
            for source in configuration.sources {
                print("  source \(source.name): \(source.paths.joined(separator: ", ")) (\(source.profile.rawValue))")
                // Not an error: a log file may appear later. But a typo looks the same, so say it.
                let matched = source.paths.reduce(0) { $0 + globCount($1) }
                print("    \(matched == 0 ? "warning: no file matches yet" : "\(matched) file(s) match now")")
            }
        }
    }
}

/// How many paths a shell glob matches now.
private func globCount(_ pattern: String) -> Int {
    var result = glob_t()
    defer { globfree(&result) }
    guard glob(pattern, 0, nil, &result) == 0 else { return 0 }
    return Int(result.gl_pathc)
}
