import ArgumentParser
import Dashboard
import InfermonCore

struct DashboardsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboards",
        abstract: "Work with dashboard files.",
        subcommands: [Check.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate dashboard files and every query in them; errors come as file:line:col.",
            discussion: """
                Without files, checks dashboards/*.yaml and the Grafana dashboards in dashboards/grafana/*.json. \
                Queries are parsed with infermon's PromQL after variables are replaced by their defaults.
                """
        )

        @Argument(help: ArgumentHelp("YAML dashboards or Grafana JSON files.", valueName: "file"))
        var files: [String] = []

        func run() throws {
            let targets = files.isEmpty ? DashboardChecker.defaultFiles() : files
            guard !targets.isEmpty else {
                printError("infermon: no dashboard files found in ./dashboards")
                throw ExitCode(1)
            }
            var failed = 0
            for outcome in DashboardChecker.check(targets) {
                if let error = outcome.error {
                    failed += 1
                    printError(error.location == nil ? "\(outcome.file): \(error.description)" : error.description)
                } else {
                    print("\(outcome.file): ok (\(outcome.summary ?? ""))")
                }
            }
            if failed > 0 { throw ExitCode(1) }
        }
    }
}
