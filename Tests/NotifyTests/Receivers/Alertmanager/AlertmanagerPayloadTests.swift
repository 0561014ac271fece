import InfermonCore
import InfermonTesting
import Notify
import Testing

/// Pushing to an Alertmanager: `POST /api/v2/alerts` with postable alerts,
/// re-sent every resend interval while firing, resolved with its `endsAt`.
@Suite struct AlertmanagerPayloadTests {
    @Test func resendsWhileFiringAndSendsTheResolve() async throws {
        try await Harness.with(
            route: RouteSpec(receiver: "am", groupBy: ["alertname"], groupWait: .zero, groupInterval: .seconds(5 * 60)),
            receivers: { receiver in
                [
                    ReceiverConfig(
                        name: "am",
                        integrations: [
                            .alertmanager(
                                AlertmanagerConfig(
                                    endpoint: EndpointConfig(url: receiver.url("/am/")), resendInterval: .seconds(60)))
                        ])
                ]
            }
        ) { h in
            let t0 = h.clock.now()
            let firing = alert(
                "GPUHot", ["gpu": "0"], startsAt: t0, endsAt: t0 + 4 * minute, annotations: ["summary": "hot"])
            try await h.dispatcher.send([firing])
            try await h.advance(by: 0)
            try #require(h.receiver.requests.count == 1)
            #expect(h.receiver.requests[0].uri == "/am/api/v2/alerts")
            let posted = try jsonArray(h.receiver.requests[0].body)
            #expect(posted.count == 1)
            #expect(posted[0]["labels"] as? [String: String] == ["alertname": "GPUHot", "gpu": "0"])
            #expect(posted[0]["annotations"] as? [String: String] == ["summary": "hot"])
            #expect(posted[0]["startsAt"] as? String == "2027-01-15T08:00:00Z")
            #expect(posted[0]["endsAt"] as? String == "2027-01-15T08:04:00Z", "firing alerts carry their real endsAt")
            #expect(posted[0]["generatorURL"] as? String == "http://infermon.test/rules")

            // The rule engine refreshes endsAt; the resend carries the new one, a minute later.
            var refreshed = firing
            refreshed.endsAt = t0 + 5 * minute
            try await h.dispatcher.send([refreshed])
            try await h.advance(by: minute)
            try #require(h.receiver.requests.count == 2)
            #expect(try jsonArray(h.receiver.requests[1].body)[0]["endsAt"] as? String == "2027-01-15T08:05:00Z")

            var resolved = firing
            resolved.endsAt = h.clock.now() + 10 * second
            try await h.dispatcher.send([resolved])
            try await h.advance(by: minute)
            try #require(h.receiver.requests.count == 3)
            #expect(try jsonArray(h.receiver.requests[2].body)[0]["endsAt"] as? String == "2027-01-15T08:01:10Z")
            try await h.advance(by: minute)
            #expect(h.receiver.requests.count == 3, "nothing more once resolved")
        }
    }
}
