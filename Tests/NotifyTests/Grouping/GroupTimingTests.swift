import InfermonCore
import InfermonTesting
import Notify
import Testing

/// Alertmanager's timing on a manual clock: group_wait before the first
/// notification, group_interval between updates, repeat_interval for reminders.
@Suite struct GroupTimingTests {
    static let route = RouteSpec(
        receiver: "team", groupBy: ["alertname"], groupWait: .seconds(30), groupInterval: .seconds(5 * 60),
        repeatInterval: .seconds(4 * 3600))

    @Test func firstNotificationWaitsForGroupWaitThenBatches() async throws {
        try await Harness.with(route: Self.route) { h in
            let t0 = h.clock.now()
            try await h.dispatcher.send([
                alert("HighErrorRate", ["instance": "a"], startsAt: t0, endsAt: t0 + 10 * hour)
            ])
            try await h.advance(by: 20 * second)
            try await h.dispatcher.send([
                alert("HighErrorRate", ["instance": "b"], startsAt: t0 + 20 * second, endsAt: t0 + 10 * hour)
            ])
            try await h.advance(by: 9 * second)
            #expect(h.receiver.requests.isEmpty, "nothing before group_wait")
            try await h.advance(by: 1 * second)
            let requests = h.receiver.requests
            try #require(requests.count == 1)
            #expect(
                alertStates(try jsonObject(requests[0].body)) == ["HighErrorRate/a:firing", "HighErrorRate/b:firing"])
        }
    }

    @Test func laterAlertsWaitForGroupIntervalAndNothingIsResentWithoutChange() async throws {
        try await Harness.with(route: Self.route) { h in
            let t0 = h.clock.now()
            try await h.dispatcher.send([
                alert("HighErrorRate", ["instance": "a"], startsAt: t0, endsAt: t0 + 10 * hour)
            ])
            try await h.advance(by: 30 * second)
            #expect(h.receiver.requests.count == 1)
            try await h.advance(by: 1 * minute)
            try await h.dispatcher.send([
                alert("HighErrorRate", ["instance": "b"], startsAt: h.clock.now(), endsAt: t0 + 10 * hour)
            ])
            try await h.advance(by: 3 * minute)
            #expect(h.receiver.requests.count == 1, "a new alert waits for the group interval")
            try await h.advance(by: 59 * second)
            #expect(h.receiver.requests.count == 1)
            try await h.advance(by: 1 * second)
            #expect(h.receiver.requests.count == 2, "flushed exactly group_interval after the first flush")
            #expect(alertStates(try jsonObject(h.receiver.requests[1].body)).count == 2)
            // Unchanged group: the next intervals send nothing.
            for _ in 0..<5 { try await h.advance(by: 5 * minute) }
            #expect(h.receiver.requests.count == 2)
        }
    }

    @Test func repeatIntervalRemindsAboutUnchangedAlerts() async throws {
        try await Harness.with(route: Self.route) { h in
            let t0 = h.clock.now()
            try await h.dispatcher.send([alert("HighErrorRate", startsAt: t0, endsAt: t0 + 100 * hour)])
            try await h.advance(by: 30 * second)
            #expect(h.receiver.requests.count == 1)
            var flushes = 0
            // 4h is 48 group intervals; the 48th flush is the first at or after sentAt + 4h.
            while h.receiver.requests.count == 1 && flushes < 100 {
                try await h.advance(by: 5 * minute)
                flushes += 1
            }
            #expect(flushes == 48)
            #expect(h.clock.now() - (t0 + 30 * second) == 4 * hour)
        }
    }

    @Test func resolvedAlertIsNotifiedOnceThenDropped() async throws {
        try await Harness.with(route: Self.route) { h in
            let t0 = h.clock.now()
            let a = alert("HighErrorRate", ["instance": "a"], startsAt: t0, endsAt: t0 + 10 * hour)
            let b = alert("HighErrorRate", ["instance": "b"], startsAt: t0, endsAt: t0 + 10 * hour)
            try await h.dispatcher.send([a, b])
            try await h.advance(by: 30 * second)
            var resolved = a
            resolved.endsAt = h.clock.now() + 1 * minute
            try await h.dispatcher.send([resolved])
            try await h.advance(by: 5 * minute)
            try #require(h.receiver.requests.count == 2)
            let payload = try jsonObject(h.receiver.requests[1].body)
            #expect(alertStates(payload) == ["HighErrorRate/a:resolved", "HighErrorRate/b:firing"])
            #expect(payload["status"] as? String == "firing")
            let groups = await h.dispatcher.groupSummaries()
            #expect(
                groups.flatMap(\.alerts).map { $0.labels["instance"] } == ["b"],
                "resolved alert dropped after notifying")
            try await h.advance(by: 5 * minute)
            #expect(h.receiver.requests.count == 2, "the resolve is not sent twice")
        }
    }

    /// A resolve for an alert this stage never queued as firing (the daemon died
    /// between the rule engine storing the firing state and the flush) is told
    /// once it fired for at least group_wait; a shorter one, or a late re-send of
    /// the resolve, stays untold as in Alertmanager.
    @Test func untoldAlertThatFiredLongerThanGroupWaitIsToldWhenItResolves() async throws {
        try await Harness.with(route: Self.route) { h in
            let now = h.clock.now()
            try await h.dispatcher.send([
                alert("Short", startsAt: now - 20 * second, endsAt: now),
                alert("Long", startsAt: now - 10 * minute, endsAt: now),
                alert("Resent", startsAt: now - 20 * minute, endsAt: now - 2 * minute),
            ])
            try await h.advance(by: 0)
            let payloads = try h.receiver.requests.map { try jsonObject($0.body) }
            #expect(payloads.map(alertStates) == [["Long:resolved"]])
            #expect(payloads.first?["status"] as? String == "resolved")
            // Short's group flushes at its group_wait, with nothing to tell.
            try await h.advance(by: 30 * second)
            #expect(h.receiver.requests.count == 1)
            #expect(await h.dispatcher.groupSummaries().isEmpty)
            // Told once: a re-send of the same resolve a minute on changes nothing.
            try await h.dispatcher.send([alert("Long", startsAt: now - 10 * minute, endsAt: now)])
            try await h.advance(by: 1 * minute)
            #expect(h.receiver.requests.count == 1)
        }
    }

    @Test func alertThatExpiresWithoutRefreshResolvesAtItsEndTime() async throws {
        try await Harness.with(route: Self.route) { h in
            let t0 = h.clock.now()
            try await h.dispatcher.send([alert("Stale", startsAt: t0, endsAt: t0 + 2 * minute)])
            try await h.advance(by: 30 * second)
            try await h.advance(by: 5 * minute)
            try #require(h.receiver.requests.count == 2)
            let payload = try jsonObject(h.receiver.requests[1].body)
            #expect(payload["status"] as? String == "resolved")
            #expect(await h.dispatcher.groupSummaries().isEmpty)
        }
    }

    @Test func oldAlertSkipsGroupWait() async throws {
        try await Harness.with(route: Self.route) { h in
            let now = h.clock.now()
            try await h.dispatcher.send([alert("Old", startsAt: now - 10 * minute, endsAt: now + hour)])
            try await h.advance(by: 0)
            #expect(h.receiver.requests.count == 1, "an alert older than group_wait is sent at once")
        }
    }

    @Test func groupByAllLabelsMakesOneGroupPerAlert() async throws {
        var route = Self.route
        route.groupBy = ["..."]
        try await Harness.with(route: route) { h in
            let t0 = h.clock.now()
            try await h.dispatcher.send([
                alert("HighErrorRate", ["instance": "a"], startsAt: t0, endsAt: t0 + hour),
                alert("HighErrorRate", ["instance": "b"], startsAt: t0, endsAt: t0 + hour),
            ])
            try await h.advance(by: 30 * second)
            let bodies = try h.receiver.requests.map { try jsonObject($0.body) }
            #expect(bodies.count == 2)
            #expect(Set(bodies.map { ($0["groupLabels"] as? [String: String])?["instance"] ?? "" }) == ["a", "b"])
        }
    }

    @Test func storeFailureKeepsResolvedAlertForTheNextFlush() async throws {
        let store = InMemoryNotificationStore()
        try await Harness.with(route: Self.route, store: store) { h in
            let t0 = h.clock.now()
            try await h.dispatcher.send([alert("Flaky", startsAt: t0, endsAt: t0 + hour)])
            try await h.advance(by: 30 * second)
            try await h.dispatcher.send([alert("Flaky", startsAt: t0, endsAt: h.clock.now())])
            store.failWrites = true
            h.clock.advance(by: 5 * minute)
            await h.dispatcher.flushDue()
            store.failWrites = false
            try await h.advance(by: 5 * minute)
            #expect(alertStates(try jsonObject(h.receiver.requests.last!.body)) == ["Flaky:resolved"])
        }
    }
}
