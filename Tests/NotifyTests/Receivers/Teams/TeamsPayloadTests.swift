import InfermonCore
import InfermonTesting
import Notify
import Testing

@Suite struct TeamsPayloadTests {
    @Test func workflowsMessageWithOneAdaptiveCard() async throws {
        try await Harness.with(
            route: RouteSpec(receiver: "chat", groupBy: ["alertname"], groupWait: .zero),
            receivers: { receiver in
                [
                    ReceiverConfig(
                        name: "chat",
                        integrations: [
                            .teams(TeamsConfig(endpoint: EndpointConfig(url: receiver.url("/workflows/run"))))
                        ])
                ]
            }
        ) { h in
            let now = h.clock.now()
            try await h.dispatcher.send([
                alert(
                    "CostSpike", ["tenant": "acme"], startsAt: now, endsAt: now + hour,
                    annotations: ["summary": "3x cost"])
            ])
            try await h.advance(by: 0)
            let message = try jsonObject(try #require(h.receiver.requests.first).body)
            #expect(message["type"] as? String == "message")
            let attachment = try #require((message["attachments"] as? [[String: Any]])?.first)
            #expect(attachment["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
            #expect(attachment.keys.contains("contentUrl"))
            let card = try #require(attachment["content"] as? [String: Any])
            #expect(card["type"] as? String == "AdaptiveCard")
            #expect(card["$schema"] as? String == "http://adaptivecards.io/schemas/adaptive-card.json")
            #expect(card["version"] as? String == "1.4")
            let body = try #require(card["body"] as? [[String: Any]])
            #expect(body.map { $0["type"] as? String } == ["TextBlock", "TextBlock", "FactSet"])
            #expect(body[0]["text"] as? String == "[FIRING:1] CostSpike")
            #expect(body[0]["color"] as? String == "Attention")
            let facts = body[2]["facts"] as? [[String: String]]
            #expect(facts == [["title": "tenant", "value": "acme"]])
            let action = (card["actions"] as? [[String: Any]])?.first
            #expect(action?["url"] as? String == "http://infermon.test:9464")
        }
    }
}
