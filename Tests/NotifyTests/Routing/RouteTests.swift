import InfermonCore
import InfermonTesting
import Notify
import Testing

@Suite struct RouteTests {
    static let receivers: Set<String> = ["default", "db", "ml", "pager"]

    static func tree() throws -> Route {
        try Route(
            root: RouteSpec(
                receiver: "default", groupBy: ["alertname"], groupWait: .seconds(10),
                routes: [
                    RouteSpec(
                        receiver: "pager", matchers: [try LabelMatcher(parsing: "severity=\"critical\"")],
                        continueMatching: true),
                    RouteSpec(
                        receiver: "ml", groupBy: ["..."], matchers: [try LabelMatcher(parsing: "team=~\"ml|ai\"")],
                        routes: [RouteSpec(receiver: "db", matchers: [try LabelMatcher(parsing: "service!=\"api\"")])]),
                    RouteSpec(receiver: "db", matchers: [try LabelMatcher(parsing: "team!~\"ml.*\"")]),
                ]), receivers: receivers)
    }

    @Test func firstMatchWinsUnlessContinue() throws {
        let root = try Self.tree()
        let critical = root.match(Labels(["severity": "critical", "team": "ml", "service": "api"]))
        #expect(critical.map(\.receiver) == ["pager", "ml"])
        let nested = root.match(Labels(["team": "ai", "service": "batch"]))
        #expect(nested.map(\.receiver) == ["db"])
        #expect(nested[0].key == "{}/{team=~\"ml|ai\"}/{service!=\"api\"}")
    }

    @Test func unmatchedAlertStaysAtTheParent() throws {
        let root = try Self.tree()
        #expect(root.match(Labels(["team": "ml", "service": "api"])).map(\.receiver) == ["ml"])
        #expect(root.match(Labels(["team": "mlops"])).map(\.receiver) == ["default"])
    }

    @Test func childrenInheritUnsetSettings() throws {
        let root = try Self.tree()
        let ml = root.children[1]
        #expect(ml.groupWait == .seconds(10))
        #expect(ml.groupInterval == RouteSpec.defaultGroupInterval)
        #expect(ml.grouping == .allLabels)
        #expect(ml.children[0].grouping == .allLabels)
        #expect(root.children[0].grouping == .labels(["alertname"]))
    }

    @Test func rejectsUnknownReceiverAndMixedEllipsis() {
        #expect(throws: InfermonError.self) {
            try Route(root: RouteSpec(receiver: "nobody"), receivers: Self.receivers)
        }
        #expect(throws: InfermonError.self) {
            try Route(root: RouteSpec(receiver: "default", groupBy: ["...", "job"]), receivers: Self.receivers)
        }
    }

    @Test func continueRoutesNotifyBothReceivers() async throws {
        let route = RouteSpec(
            receiver: "team", groupWait: .zero,
            routes: [
                RouteSpec(receiver: "team", matchers: [.equal("severity", "critical")], continueMatching: true),
                RouteSpec(receiver: "other", matchers: [.equal("severity", "critical")]),
            ])
        try await Harness.with(
            route: route,
            receivers: { [webhookReceiver("team", $0, path: "/team"), webhookReceiver("other", $0, path: "/other")] }
        ) { h in
            let now = h.clock.now()
            try await h.dispatcher.send([alert("Down", ["severity": "critical"], startsAt: now, endsAt: now + hour)])
            try await h.advance(by: 0)
            #expect(Set(h.receiver.requests.map(\.uri)) == ["/team", "/other"])
        }
    }
}
