import ArgumentParser
import InfermonDaemon

@main
struct Infermon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infermon",
        abstract: "Monitoring for ML and LLM inference: logs in, metrics, drift, cost and alerts out.",
        discussion: """
            infermon tails your inference logs (one JSON object per request) into an embedded SQLite store \
            and answers questions about them. Start with `infermon demo` to see it on synthetic traffic, \
            or `infermon serve` to follow ./logs/*.jsonl with the built-in defaults.
            """,
        version: InfermonVersion.current,
        subcommands: [
            ServeCommand.self, IngestCommand.self, StatsCommand.self, QueryCommand.self, SQLCommand.self,
            DemoCommand.self, ConfigCommand.self, ReloadCommand.self,
            SilenceCommand.self, DriftCommand.self, PerformanceCommand.self, CanaryCommand.self, BaselineCommand.self,
            PricingCommand.self, BudgetCommand.self, SLOCommand.self, RulesCommand.self, AlertsCommand.self,
            DashCommand.self, DashboardsCommand.self, DoctorCommand.self, ManualCommand.self,
            LabelsCommand.self, QualityCommand.self, ReportCommand.self, StoreCommand.self,
        ]
    )
}
