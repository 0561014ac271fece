import InfermonCore
import InfermonTesting
import Notify
import Testing

@Suite struct InhibitionTests {
    static let route = RouteSpec(receiver: "team", groupBy: ["..."], groupWait: .zero, groupInterval: .seconds(60))
    static let rule = InhibitRule(
        sourceMatchers: [.equal("severity", "critical")], targetMatchers: [.equal("severity", "warning")],
        equal: ["model"])

    @Test func criticalInhibitsWarningOfTheSameModelOnly() async throws {
        try await Harness.with(route: Self.route, inhibitRules: [Self.rule]) { h in
            let now = h.clock.now()
            try await h.dispatcher.send([
                alert("ErrorsCritical", ["severity": "critical", "model": "a"], startsAt: now, endsAt: now + hour),
                alert("ErrorsWarning", ["severity": "warning", "model": "a"], startsAt: now, endsAt: now + hour),
                alert("ErrorsWarning", ["severity": "warning", "model": "b"], startsAt: now, endsAt: now + hour),
            ])
            try await h.advance(by: 0)
            let sent = try h.receiver.requests.map { try jsonObject($0.body) }.flatMap { payload in
                (payload["alerts"] as? [[String: Any]] ?? []).map { ($0["labels"] as? [String: String]) ?? [:] }
            }
            #expect(Set(sent.map { "\($0["alertname"]!)/\($0["model"]!)" }) == ["ErrorsCritical/a", "ErrorsWarning/b"])
        }
    }

    @Test func resolvedSourceReleasesTheTarget() async throws {
        try await Harness.with(route: Self.route, inhibitRules: [Self.rule]) { h in
            let now = h.clock.now()
            try await h.dispatcher.send([
                alert("ErrorsCritical", ["severity": "critical", "model": "a"], startsAt: now, endsAt: now + hour),
                alert("ErrorsWarning", ["severity": "warning", "model": "a"], startsAt: now, endsAt: now + hour),
            ])
            try await h.advance(by: 0)
            #expect(h.receiver.requests.count == 1)
            try await h.dispatcher.send([
                alert("ErrorsCritical", ["severity": "critical", "model": "a"], startsAt: now, endsAt: h.clock.now())
            ])
            try await h.advance(by: minute)
            let names = try h.receiver.requests.dropFirst().map { alertStates(try jsonObject($0.body)) }.flatMap { $0 }
            #expect(names.sorted() == ["ErrorsCritical:resolved", "ErrorsWarning:firing"])
        }
    }

    @Test func alertMatchingBothSidesDoesNotInhibitItself() async throws {
        let rule = InhibitRule(
            sourceMatchers: [.equal("team", "ml")], targetMatchers: [.equal("team", "ml")], equal: ["model"])
        try await Harness.with(route: Self.route, inhibitRules: [rule]) { h in
            let now = h.clock.now()
            try await h.dispatcher.send([
                alert("Drift", ["team": "ml", "model": "a"], startsAt: now, endsAt: now + hour)
            ])
            try await h.advance(by: 0)
            #expect(h.receiver.requests.count == 1)
        }
    }
}
