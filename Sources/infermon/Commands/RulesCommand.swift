import Alerting
import ArgumentParser
import InfermonConfig
import InfermonCore

#if canImport(Glibc)
    import Glibc
#endif

/// `infermon rules check|test`: the promtool commands for rule files, with
/// promtool's output, so scripts and CI written for promtool read it alike.
struct RulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Check Prometheus rule files and run their unit tests (as promtool does).",
        subcommands: [RulesCheckCommand.self, RulesTestCommand.self]
    )
}

struct RulesCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check rule files; errors are reported as file:line:col.",
        discussion: """
            Every file this accepts is also accepted by `promtool check rules` (Prometheus 2.42). \
            infermon's PromQL extensions (sketch_quantile_over_time) are refused unless --extensions is given, \
            because Prometheus cannot run them.
            """
    )

    @Flag(name: .long, help: "Accept infermon's PromQL extensions (the files then only run in infermon).")
    var extensions = false

    @Argument(help: ArgumentHelp("Rule files.", valueName: "file")) var files: [String]

    func run() throws {
        var failed = false
        for file in files {
            writeAll(1, "Checking \(file)" + "\n")
            let text: String
            do {
                text = try readTextFile(file)
            } catch {
                writeAll(2, "  FAILED:\n\(file): \(error)\n")
                failed = true
                writeAll(1, "" + "\n")
                continue
            }
            let parsed = RuleFileParser.parse(
                text, file: file, options: RuleFileParser.Options(allowExtensions: extensions))
            if parsed.errors.isEmpty {
                let count = parsed.groups.reduce(0) { $0 + $1.rules.count }
                writeAll(1, "  SUCCESS: \(count) rules found" + "\n")
            } else {
                failed = true
                writeAll(2, "  FAILED:\n")
                for error in parsed.errors { writeAll(2, error.description + "\n") }
            }
            writeAll(1, "" + "\n")
        }
        if failed { throw ExitCode(1) }
    }
}

struct RulesTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run rule unit-test files in promtool's format.",
        discussion: """
            Test files name their rule files (rule_files, relative to the test file), the evaluation_interval, \
            and tests with input_series in expanding notation (0+10x5, 1-1x3, _, stale), alert_rule_test and \
            promql_expr_test. Failures are printed as promtool prints them.
            """
    )

    @Argument(help: ArgumentHelp("Test files.", valueName: "file")) var files: [String]

    func run() async throws {
        let runner = RuleTestRunner(
            standardOutput: { text in writeAll(1, text) }, standardError: { text in writeAll(2, text) })
        if !(await runner.run(files: files)) { throw ExitCode(1) }
    }
}

/// Writes all of `text` to a file descriptor, unbuffered, so stdout and stderr interleave as written.
func writeAll(_ descriptor: Int32, _ text: String) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeMutableBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
        if written <= 0 { return }
        offset += written
    }
}
