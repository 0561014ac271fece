import InfermonCore
import InfermonTesting
import Notify
import Testing

@Suite struct DiscordPayloadTests {
    @Test func oneEmbedRedWhileFiringGreenWhenResolved() async throws {
        try await Harness.with(
            route: RouteSpec(receiver: "chat", groupBy: ["alertname"], groupWait: .zero, groupInterval: .seconds(60)),
            receivers: { receiver in
                [
                    ReceiverConfig(
                        name: "chat",
                        integrations: [
                            .discord(
                                DiscordConfig(
                                    endpoint: EndpointConfig(url: receiver.url("/api/webhooks/1/x")),
                                    username: "infermon"))
                        ])
                ]
            }
        ) { h in
            let now = h.clock.now()
            try await h.dispatcher.send([
                alert(
                    "Drift", ["feature": "age"], startsAt: now, endsAt: now + 30 * second,
                    annotations: ["summary": "PSI 0.4"])
            ])
            try await h.advance(by: 0)
            try await h.advance(by: 2 * minute)
            try #require(h.receiver.requests.count == 2)
            let firing = try jsonObject(h.receiver.requests[0].body)
            #expect(firing["username"] as? String == "infermon")
            #expect((firing["allowed_mentions"] as? [String: Any])?["parse"] as? [String] == [])
            let embed = try #require((firing["embeds"] as? [[String: Any]])?.first)
            #expect(embed["title"] as? String == "[FIRING:1] Drift")
            #expect(embed["color"] as? Int == 0xE74C3C)
            let field = try #require((embed["fields"] as? [[String: Any]])?.first)
            #expect(field["name"] as? String == "Drift (firing)")
            #expect(field["value"] as? String == "PSI 0.4\nfeature=\"age\"")
            let resolved = try #require(
                (try jsonObject(h.receiver.requests[1].body)["embeds"] as? [[String: Any]])?.first)
            #expect(resolved["color"] as? Int == 0x2ECC71)
            #expect(resolved["title"] as? String == "[RESOLVED] Drift")
        }
    }
}
