import Alerting
import InfermonCore
import Logging
import Testing

/// Reloading rule files keeps the alerts of rules that stay (no re-pending,
/// no second firing), and marks stale what removed groups recorded.
@Suite struct RuleReloadTests {
    @Test func rulesThatStayKeepTheirAlertsAndRemovedGroupsGoStale() async throws {
        let storage = MemorySeries()
        let sink = RecordingSink()
        var logger = Logger(label: "reload-test")
        logger.logLevel = .critical
        let before = """
            groups:
              - name: alerts
                interval: 1m
                rules:
                  - alert: High
                    expr: x > 1
                    for: 2m
              - name: recordings
                interval: 1m
                rules:
                  - record: doubled
                    expr: x * 2
            """
        let manager = RuleManager(
            groups: ruleGroups(before), querier: storage, appender: storage, sink: sink,
            stateStore: MemoryAlertStates(),
            logger: logger)
        storage.add(Labels(name: "x"), (0...10).map { Sample(Int64($0) * minute, 5) })
        for step in 0...2 { await manager.evaluateAll(at: Int64(step) * minute) }
        #expect(sink.all.count == 1, "fired at 2m")

        // The alerting rule gains an annotation and a neighbour; the recording group is removed.
        let after = """
            groups:
              - name: alerts
                interval: 1m
                rules:
                  - alert: Other
                    expr: x > 100
                  - alert: High
                    expr: x > 1
                    for: 2m
                    annotations: {summary: "now with a summary"}
            """
        await manager.update(ruleGroups(after))
        sink.clear()
        await manager.evaluateAll(at: 3 * minute)
        let high = await manager.ruleGroups()[0].rules[1]
        #expect(high.alerts.map(\.state) == ["firing"])
        #expect(high.alerts.first?.activeAt == 0)
        #expect(high.alerts.first?.annotations == ["summary": "now with a summary"])
        #expect(sink.all.isEmpty, "already sent at 2m; the resend is due after a minute")

        let doubled = try #require(try storage.select([.equal("__name__", "doubled")], from: 0, through: .max).first)
        #expect(doubled.samples.last?.isStaleMarker == true, "a removed group's series end with a staleness marker")
        #expect(await manager.ruleGroups().map(\.name) == ["alerts"])
    }
}
