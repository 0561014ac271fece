import InfermonCore
import InfermonTesting
import Notify
import Testing

@Suite struct SlackPayloadTests {
    @Test func textPlusBlocksAndEscapedAlertText() async throws {
        try await Harness.with(
            route: RouteSpec(receiver: "chat", groupBy: ["alertname"], groupWait: .zero),
            receivers: { receiver in
                [
                    ReceiverConfig(
                        name: "chat",
                        integrations: [
                            .slack(SlackConfig(endpoint: EndpointConfig(url: receiver.url("/services/T0/B0/secret"))))
                        ])
                ]
            }
        ) { h in
            let now = h.clock.now()
            try await h.dispatcher.send([
                alert(
                    "HighErrorRate", ["model": "gpt-4o"], startsAt: now, endsAt: now + hour,
                    annotations: ["summary": "errors <@channel> & more"])
            ])
            try await h.advance(by: 0)
            let payload = try jsonObject(try #require(h.receiver.requests.first).body)
            #expect(payload["text"] as? String == "[FIRING:1] HighErrorRate")
            let blocks = try #require(payload["blocks"] as? [[String: Any]])
            #expect(blocks.map { $0["type"] as? String } == ["header", "section", "context"])
            let header = blocks[0]["text"] as? [String: Any]
            #expect(header?["type"] as? String == "plain_text")
            let section = (blocks[1]["text"] as? [String: Any])?["text"] as? String ?? ""
            #expect(section.contains("errors &lt;@channel&gt; &amp; more"))
            #expect(section.contains("`model=\"gpt-4o\"`"))
        }
    }

    @Test func defaultRateLimitIsOnePerSecond() async throws {
        try await Harness.with(
            route: RouteSpec(receiver: "chat", groupBy: ["..."], groupWait: .zero),
            receivers: { receiver in
                [
                    ReceiverConfig(
                        name: "chat", integrations: [.slack(SlackConfig(endpoint: EndpointConfig(url: receiver.url())))]
                    )
                ]
            }
        ) { h in
            let now = h.clock.now()
            try await h.dispatcher.send((1...3).map { alert("A\($0)", startsAt: now, endsAt: now + hour) })
            await h.dispatcher.flushDue()
            let next = try await h.deliverer.deliverDue()
            #expect(h.receiver.requests.count == 1)
            #expect(next == now + 1_000)
            try await h.advance(by: 999)
            #expect(h.receiver.requests.count == 1)
            try await h.advance(by: 1)
            #expect(h.receiver.requests.count == 2)
            try await h.advance(by: 1_000)
            #expect(h.receiver.requests.count == 3)
        }
    }
}
