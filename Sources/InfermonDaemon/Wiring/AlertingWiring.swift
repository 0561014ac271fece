public import Alerting
public import InfermonConfig
import InfermonCore
import Logging
import Query
import Store

/// Builds the rule engine from the configuration: rule files from
/// `rule_files` (relative to the configuration file), evaluated against the
/// store, recorded series and `ALERTS` appended to it, alert states kept in
/// it, and alerts handed to notification when it is configured.
package enum AlertingWiring {
    package static func ruleGroups(_ config: Configuration) throws -> [RuleGroupDefinition] {
        try RuleFiles.loadOrThrow(
            config.rules.ruleFiles, relativeTo: config.rules.baseDirectory(configFile: config.file))
    }

    static func ruleManager(
        config: Configuration, groups: [RuleGroupDefinition], store: any DaemonStore, sink: (any AlertSink)?,
        clock: any WallClock, health: ComponentHealth? = nil
    ) -> RuleManager {
        var engineOptions = QueryOptions()
        engineOptions.defaultSubqueryStep = config.rules.evaluation.defaultInterval.millis
        return RuleManager(
            groups: groups, options: config.ruleEvaluation, querier: store, sketches: store,
            appender: store, sink: sink, stateStore: store, engine: QueryEngine(options: engineOptions), clock: clock,
            health: health, logger: Logger(label: "infermon.rules"))
    }
}

/// Rule files follow a reload: read and checked in `prepare`, swapped in `apply`.
struct RulesParticipant: ReloadParticipant {
    let manager: RuleManager

    func prepare(_ config: Configuration) async throws -> @Sendable () async -> Void {
        let groups = try AlertingWiring.ruleGroups(config)
        return { await manager.update(groups) }
    }
}
