import InfermonCore
import InfermonTesting
import Notify
import Testing

/// The generic webhook speaks Alertmanager's webhook payload, version 4, byte
/// for byte in key order, as received by a real HTTP server.
@Suite struct WebhookPayloadTests {
    static let route = RouteSpec(
        receiver: "team", groupBy: ["alertname"], groupWait: .zero, groupInterval: .seconds(60))

    @Test func firingThenResolvedPayloadsHaveAlertmanagersExactShape() async throws {
        try await Harness.with(route: Self.route) { h in
            let t0 = h.clock.now() + 250
            let firing = alert(
                "HighErrorRate", ["model": "gpt-4o"], startsAt: t0, endsAt: t0 + hour,
                annotations: ["summary": "Error ratio 7%"])
            try await h.dispatcher.send([firing])
            try await h.advance(by: 0)
            let expectedFiring =
                #"{"receiver":"team","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"HighErrorRate","model":"gpt-4o"},"annotations":{"summary":"Error ratio 7%"},"startsAt":"2027-01-15T08:00:00.25Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://infermon.test/rules","fingerprint":"ea2834df7eb509b6"}],"groupLabels":{"alertname":"HighErrorRate"},"commonLabels":{"alertname":"HighErrorRate","model":"gpt-4o"},"commonAnnotations":{"summary":"Error ratio 7%"},"externalURL":"http://infermon.test:9464","version":"4","groupKey":"{}:{alertname=\"HighErrorRate\"}","truncatedAlerts":0}"#
            try #require(h.receiver.requests.count == 1)
            #expect(h.receiver.requests[0].bodyText == expectedFiring)
            #expect(h.receiver.requests[0].method == "POST")
            #expect(h.receiver.requests[0].uri == "/hook")
            #expect(h.receiver.requests[0].header("Content-Type") == "application/json")

            var resolved = firing
            resolved.endsAt = t0 + 30 * second
            try await h.dispatcher.send([resolved])
            try await h.advance(by: minute)
            try #require(h.receiver.requests.count == 2)
            let payload = try jsonObject(h.receiver.requests[1].body)
            #expect(payload["status"] as? String == "resolved")
            let alerts = try #require(payload["alerts"] as? [[String: Any]])
            #expect(alerts[0]["status"] as? String == "resolved")
            #expect(alerts[0]["endsAt"] as? String == "2027-01-15T08:00:30.25Z")
        }
    }

    @Test func maxAlertsTruncatesAndCounts() async throws {
        try await Harness.with(
            route: Self.route,
            receivers: { receiver in
                [
                    ReceiverConfig(
                        name: "team",
                        integrations: [
                            .webhook(WebhookConfig(endpoint: EndpointConfig(url: receiver.url("/hook")), maxAlerts: 2))
                        ])
                ]
            }
        ) { h in
            let now = h.clock.now()
            try await h.dispatcher.send(
                (1...5).map { alert("Many", ["instance": "\($0)"], startsAt: now, endsAt: now + hour) })
            try await h.advance(by: 0)
            let payload = try jsonObject(try #require(h.receiver.requests.first).body)
            #expect((payload["alerts"] as? [Any])?.count == 2)
            #expect(payload["truncatedAlerts"] as? Int == 3)
            #expect((payload["commonLabels"] as? [String: String]) == ["alertname": "Many"])
        }
    }

    @Test func everyMessageCarriesAStableWebhookID() async throws {
        try await Harness.with(route: Self.route) { h in
            h.receiver.script(.fail(500))
            let now = h.clock.now()
            try await h.dispatcher.send([alert("Retry", startsAt: now, endsAt: now + hour)])
            try await h.advance(by: 0)
            try await h.advance(by: 10 * second)
            let ids = h.receiver.requests.map { $0.header("webhook-id") ?? "" }
            #expect(ids.count == 2)
            #expect(ids[0].hasPrefix("msg_") && ids[0].count == 36)
            #expect(ids[0] == ids[1], "a retry is the same message")
            #expect(h.receiver.requests[0].header("webhook-signature") == nil, "unsigned without a secret")
        }
    }
}
