import Alerting
import InfermonCore
import InfermonTesting
import Logging
import Testing

/// The alert life cycle as notification sees it, with Prometheus's timing:
/// sent when it fires, re-sent every resend delay (1m) with `endsAt` four
/// intervals ahead, sent once at once when it resolves with `endsAt` at the
/// resolve time, then re-sent as resolved for 15 minutes and dropped.
@Suite struct AlertLifecycleTests {
    static func manager(
        _ yaml: String, storage: MemorySeries, sink: RecordingSink, states: (any AlertStateStore)? = nil
    )
        -> RuleManager
    {
        var logger = Logger(label: "alerting-test")
        logger.logLevel = .critical
        var options = RuleEvaluationOptions()
        options.externalLabels = Labels(["cluster": "c1"])
        options.externalURL = "http://infermon.test:9464"
        return RuleManager(
            groups: ruleGroups(yaml), options: options, querier: storage, appender: storage, sink: sink,
            stateStore: states, logger: logger)
    }

    static let rules = """
        groups:
          - name: g
            interval: 10s
            rules:
              - alert: High
                expr: x > 1
                labels: {severity: page}
                annotations: {summary: "x is {{ $value }}"}
        """

    @Test func firingIsResentEveryMinuteAndResolvedFor15Minutes() async throws {
        let storage = MemorySeries()
        let sink = RecordingSink()
        let manager = Self.manager(Self.rules, storage: storage, sink: sink)
        let start: Timestamp = 1_800_000_000_000
        // x is 5 for two minutes, then the series ends with a staleness marker.
        var samples: [Sample] = []
        var offset: Int64 = 0
        while offset <= 2 * minute {
            samples.append(Sample(start + offset, 5))
            offset += 10 * second
        }
        samples.append(Sample(start + 2 * minute + 10 * second, Sample.staleNaN))
        storage.add(Labels(name: "x", ["job": "api"]), samples)

        var sendTimes: [(time: Timestamp, alert: Alert)] = []
        var time = start
        while time <= start + 20 * minute {
            sink.clear()
            await manager.evaluateAll(at: time)
            for alert in sink.all { sendTimes.append((time, alert)) }
            time += 10 * second
        }
        let firing = sendTimes.filter { $0.alert.endsAt > $0.time }
        let resolved = sendTimes.filter { $0.alert.endsAt <= $0.time }
        // Firing: at once, then only after a full minute has passed (lastSent + 1m < now).
        #expect(firing.map { $0.time - start } == [0, 70 * second])
        for send in firing {
            #expect(send.alert.startsAt == start, "startsAt is when it fired")
            #expect(send.alert.endsAt == send.time + 4 * minute, "endsAt = eval + 4 × max(resend delay, interval)")
        }
        // Resolved at the first evaluation after the staleness marker, sent at once, then every 70s for 15 minutes.
        let resolvedAt = start + 2 * minute + 10 * second
        #expect(resolved.first?.time == resolvedAt)
        #expect(resolved.allSatisfy { $0.alert.endsAt == resolvedAt && $0.alert.startsAt == start })
        let expectedResends: [Int64] = (0...12).map { Int64($0) * 70 * second }  // 12 × 70s = 14m, 13 × 70s > 15m
        #expect(resolved.map { $0.time - resolvedAt } == expectedResends)
        // External labels join the alert's labels; the generator URL links the expression.
        let first = try #require(sendTimes.first?.alert)
        #expect(first.labels == Labels(["alertname": "High", "severity": "page", "job": "api", "cluster": "c1"]))
        #expect(first.annotations == ["summary": "x is 5"])
        #expect(first.generatorURL == "http://infermon.test:9464/graph?g0.expr=x+%3E+1&g0.tab=1")
        // After the retention the alert is gone: nothing is sent any more.
        sink.clear()
        await manager.evaluateAll(at: resolvedAt + 16 * minute)
        #expect(sink.all.isEmpty)
    }

    @Test func alertsSeriesTrackStatesAndGoStale() async throws {
        let storage = MemorySeries()
        let sink = RecordingSink()
        let manager = Self.manager(
            """
            groups:
              - name: g
                interval: 1m
                rules:
                  - record: job:x:max
                    expr: max by (job) (x)
                  - alert: Held
                    expr: job:x:max > 1
                    for: 2m
            """, storage: storage, sink: sink)
        let x = Labels(name: "x", ["job": "api"])
        storage.add(x, [Sample(0, 5), Sample(minute, 5), Sample(2 * minute, 5), Sample(3 * minute, Sample.staleNaN)])
        for step in 0...4 { await manager.evaluateAll(at: Int64(step) * minute) }

        let alerts = try storage.select([.equal("__name__", "ALERTS")], from: 0, through: 10 * minute)
        let pending = try #require(alerts.first { $0.labels["alertstate"] == "pending" })
        let firing = try #require(alerts.first { $0.labels["alertstate"] == "firing" })
        // The recording rule fed the alert in the same evaluation: pending from minute 0.
        #expect(pending.samples.filter { !$0.isStaleMarker }.map(\.timestamp) == [0, minute])
        #expect(pending.samples.last?.isStaleMarker == true && pending.samples.last?.timestamp == 2 * minute)
        #expect(firing.samples.filter { !$0.isStaleMarker }.map(\.timestamp) == [2 * minute])
        #expect(firing.samples.last?.isStaleMarker == true)
        let forState = try #require(
            try storage.select([.equal("__name__", "ALERTS_FOR_STATE")], from: 0, through: 10 * minute).first)
        #expect(forState.samples.filter { !$0.isStaleMarker }.map(\.value) == [0, 0, 0], "activeAt in seconds")
        // The recorded series ends with a staleness marker once its input is gone.
        let recorded = try #require(
            try storage.select([.equal("__name__", "job:x:max")], from: 0, through: 10 * minute).first)
        #expect(recorded.labels == Labels(name: "job:x:max", ["job": "api"]))
        #expect(recorded.samples.map(\.timestamp) == [0, minute, 2 * minute, 3 * minute])
        #expect(recorded.samples.last?.isStaleMarker == true)
        #expect(recorded.samples.dropLast().allSatisfy { $0.value == 5 })
    }

    @Test func keepFiringForHoldsAFiringAlert() async throws {
        let storage = MemorySeries()
        let sink = RecordingSink()
        let manager = Self.manager(
            """
            groups:
              - name: g
                interval: 1m
                rules:
                  - alert: Kept
                    expr: x > 1
                    keep_firing_for: 3m
            """, storage: storage, sink: sink)
        // Above the threshold at minute 0 only.
        storage.add(Labels(name: "x"), (0...8).map { Sample(Int64($0) * minute, $0 == 0 ? 5 : 0) })
        var states: [String] = []
        for step in 0...8 {
            await manager.evaluateAll(at: Int64(step) * minute)
            let groups = await manager.ruleGroups()
            states.append(groups[0].rules[0].state)
        }
        // Fires at 0, is kept while now - keepFiringSince(1m) < 3m, resolves at 4m.
        #expect(
            states == [
                "firing", "firing", "firing", "firing", "inactive", "inactive", "inactive", "inactive", "inactive",
            ])
        let resolved = sink.all.filter { $0.endsAt == 4 * minute }
        #expect(!resolved.isEmpty, "resolved once keep_firing_for ran out")
    }

    @Test func limitAndDuplicateLabelSetsFailTheRule() async throws {
        let storage = MemorySeries()
        let sink = RecordingSink()
        let manager = Self.manager(
            """
            groups:
              - name: g
                limit: 1
                rules:
                  - alert: TooMany
                    expr: x > 0
                  - alert: Collide
                    expr: x > 0
                    labels: {job: same}
                  - record: fine
                    expr: count(x)
            """, storage: storage, sink: sink)
        storage.add(Labels(name: "x", ["job": "a"]), [Sample(0, 1)])
        storage.add(Labels(name: "x", ["job": "b"]), [Sample(0, 1)])
        await manager.evaluateAll(at: 0)
        let rules = await manager.ruleGroups()[0].rules
        #expect(rules[0].health == .err && rules[0].lastError == "exceeded limit of 1 with 2 alerts")
        #expect(rules[0].alerts.isEmpty)
        #expect(rules[1].lastError == "vector contains metrics with the same labelset after applying alert labels")
        #expect(rules[2].health == .ok, "a failing rule does not stop the rules after it")
        #expect(sink.all.isEmpty)
    }
}
