import ArgumentParser
import InfermonConfig
import InfermonCore
import InfermonDaemon
import LLMOps
import Logging
import Store

struct BudgetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "budget",
        abstract: "Spending budgets: spend so far and the end-of-period forecast.",
        subcommands: [Status.self]
    )

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Show each budget's spend so far and its forecast, from the store.",
            discussion: """
                The forecast extrapolates the last 6 hours' spend to the end of the period, following the \
                daily load curve of the last 7 days once that much history exists.
                """
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
                    let budgets = configuration.budgets
                    if budgets.isEmpty { print("no budgets configured (budgets: in the configuration)") }
                    let evaluator = BudgetEvaluator(
                        budgets: budgets, querier: database,
                        options: .init(lookback: configuration.storage.options.retention.rollups))
                    print(
                        "budget".padding(20) + "period".padding(8) + "limit".leftPadding(12) + "spent".leftPadding(12)
                            + "used".leftPadding(9) + "forecast".leftPadding(12) + "of limit".leftPadding(10)
                            + "  method")
                    for budget in budgets {
                        let status = try evaluator.status(of: budget, at: now)
                        print(
                            budget.name.padding(20) + budget.period.rawValue.padding(8)
                                + ("$" + formatRatio(status.limitUSD)).leftPadding(12)
                                + ("$" + formatRatio(status.spentUSD)).leftPadding(12)
                                + (formatRatio(status.usedRatio * 100) + "%").leftPadding(9)
                                + ("$" + formatRatio(status.forecastUSD)).leftPadding(12)
                                + (formatRatio(status.forecastRatio * 100) + "%").leftPadding(10)
                                + "  " + (status.followsDailyCurve ? "daily curve" : "recent rate"))
                    }
                }
            } catch {
                throw fail(error)
            }
        }
    }
}
