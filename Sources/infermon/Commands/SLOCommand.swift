import ArgumentParser
import InfermonConfig
import InfermonCore
import InfermonDaemon
import LLMOps
import Logging
import Store

struct SLOCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slo",
        abstract: "Service-level objectives: Prometheus burn-rate alert rules, and where each SLO stands.",
        subcommands: [Rules.self, Status.self]
    )

    struct Rules: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rules",
            abstract: "Print a Prometheus rule file with multi-window, multi-burn-rate alerts for the configured SLOs.",
            discussion: """
                Page: burn rate over 14.4 for 1h and 5m, or over 6 for 6h and 30m. Ticket: over 3 for 1d and 2h, \
                or over 1 for 3d and 6h. The file passes `promtool check rules`; load it in infermon or in a \
                Prometheus that scrapes infermon's /metrics.
                """
        )

        @Option(help: ArgumentHelp("Configuration file with an slos: section.", valueName: "file"))
        var config: String?

        @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file"))
        var output: String?

        func run() throws {
            do {
                let configuration = try loadConfiguration(config)
                let text = SLORuleGenerator.ruleFile(
                    for: configuration.slos, source: config ?? "the built-in defaults")
                if let output {
                    try writeTextFile(text, to: output)
                } else {
                    print(text, terminator: "")
                }
            } catch {
                throw fail(error)
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Show each SLO's burn rates and error budget left, from the store."
        )

        @OptionGroup var store: StoreOptionsGroup

        @Option(help: ArgumentHelp("Evaluate at this time (RFC 3339) instead of now.", valueName: "time"))
        var at: String?

        func run() async throws {
            LogSetup.bootstrap(level: store.logLevel, json: false)
            do {
                let configuration = try store.loadConfiguration()
                let now = try evaluationTime(at)
                try await withConfiguredStore(configuration) { backend in
                    let database = backend.store
                    let slos = configuration.slos
                    if slos.isEmpty { print("no SLOs configured (slos: in the configuration)") }
                    let evaluator = SLOEvaluator(
                        slos: slos, querier: database, lookback: configuration.storage.options.retention.samples)
                    let windows = BurnRateWindow.allCases
                    print("SLO".padding(24) + windows.map { $0.rawValue.leftPadding(8) }.joined() + "  budget left")
                    for slo in slos {
                        let status = try evaluator.status(of: slo, at: now)
                        // A window without a counted request has no burn rate: "0.00" would claim a healthy service.
                        let rates = windows.map { window -> String in
                            guard let counts = status.windows[window], counts.good + counts.bad > 0 else {
                                return "no data".leftPadding(8)
                            }
                            return formatRatio(status.burnRate(window)).leftPadding(8)
                        }.joined()
                        let counted = status.period.good + status.period.bad
                        let left = counted > 0 ? formatRatio(status.errorBudgetRemaining * 100) + "%" : "no data"
                        print(slo.name.padding(24) + rates + "  " + left + "   (\(slo.summary))")
                    }
                }
            } catch {
                throw fail(error)
            }
        }
    }
}

/// Two decimals, for burn rates and percentages.
func formatRatio(_ value: Double) -> String {
    guard value.isFinite else { return value > 0 ? "inf" : (value < 0 ? "-inf" : "nan") }
    let hundredths = Int64((value * 100).rounded())
    let sign = hundredths < 0 ? "-" : ""
    let magnitude = abs(hundredths)
    let cents = magnitude % 100
    return "\(sign)\(magnitude / 100).\(cents < 10 ? "0" : "")\(cents)"
}

func evaluationTime(_ text: String?) throws -> Timestamp {
    guard let text else { return SystemWallClock().now() }
    guard let time = TimeParsing.rfc3339Millis(text.count == 10 ? text + "T00:00:00Z" : text) else {
        throw InfermonError.invalidArgument("--at must be an RFC 3339 time such as 2026-11-28T12:00:00Z")
    }
    return time
}

func loadConfiguration(_ path: String?) throws -> Configuration {
    try path.map { try ConfigurationLoader.load(path: $0) }
        ?? Configuration()
}

/// Writes a whole text file, replacing it.
func writeTextFile(_ text: String, to path: String) throws {
    guard let file = fopen(path, "wb") else { throw InfermonError.io("cannot write \(path)") }
    defer { fclose(file) }
    let bytes = Array(text.utf8)
    guard fwrite(bytes, 1, bytes.count, file) == bytes.count else { throw InfermonError.io("cannot write \(path)") }
}

#if canImport(Glibc)
    import Glibc
#endif
