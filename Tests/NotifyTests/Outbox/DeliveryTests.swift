import InfermonCore
import InfermonTesting
import Notify
import Testing

/// The outbox's delivery rules against a real HTTP receiver told to misbehave.
@Suite struct DeliveryTests {
    static let route = RouteSpec(receiver: "team", groupBy: ["alertname"], groupWait: .zero)
    static let outbox = OutboxOptions(
        ttl: .seconds(10 * 60), initialBackoff: .seconds(1), maxBackoff: .seconds(8), jitter: 0)

    /// Queues one notification and makes the first delivery attempt.
    static func queueOne(_ h: Harness) async throws {
        let now = h.clock.now()
        try await h.dispatcher.send([alert("Down", startsAt: now, endsAt: now + hour)])
        try await h.advance(by: 0)
    }

    @Test func retriesWithExponentialBackoffUntilA2xx() async throws {
        try await Harness.with(route: Self.route, outbox: Self.outbox) { h in
            h.receiver.script(.fail(500), .fail(502), .fail(504), .fail(500), .fail(503))
            try await Self.queueOne(h)
            var delays: [Int64] = []
            for _ in 0..<5 {
                let message = try #require(try await h.store.outboxMessages().first)
                delays.append(message.nextAttemptAt - h.clock.now())
                h.clock.set(to: message.nextAttemptAt)
                try await h.deliverer.deliverDue()
            }
            #expect(delays == [1_000, 2_000, 4_000, 8_000, 8_000], "doubling, capped at max_backoff")
            #expect(h.receiver.requests.count == 6)
            #expect(try await h.store.outboxMessages().isEmpty, "removed after the 2xx")
            #expect(h.deliverer.deliveryCounters()["team/webhook[0]"]?.delivered == 1)
            #expect(h.deliverer.deliveryCounters()["team/webhook[0]"]?.failedAttempts == 5)
        }
    }

    @Test func jitterShortensDelaysWithinItsFraction() {
        let options = OutboxOptions(initialBackoff: .seconds(1), maxBackoff: .seconds(60), jitter: 0.5)
        #expect(options.backoff(attempt: 3, random: 0) == 4_000)
        #expect(options.backoff(attempt: 3, random: 1) == 2_000)
        #expect(options.backoff(attempt: 3, random: 0.5) == 3_000)
        #expect(options.backoff(attempt: 30, random: 0) == 60_000)
    }

    @Test func retryAfterSecondsIsHonouredForTheWholeReceiver() async throws {
        try await Harness.with(
            route: RouteSpec(receiver: "team", groupBy: ["..."], groupWait: .zero), outbox: Self.outbox
        ) { h in
            h.receiver.script(.tooManyRequests(retryAfter: "30"))
            let now = h.clock.now()
            try await h.dispatcher.send([
                alert("A", startsAt: now, endsAt: now + hour), alert("B", startsAt: now, endsAt: now + hour),
            ])
            try await h.advance(by: 0)
            #expect(h.receiver.requests.count == 1)
            let head = try #require(try await h.store.outboxMessages().first)
            #expect(head.nextAttemptAt == now + 30_000)
            #expect(head.lastError?.hasPrefix("HTTP 429") == true)
            try await h.advance(by: 29_999)
            #expect(h.receiver.requests.count == 1)
            try await h.advance(by: 1)
            #expect(h.receiver.requests.count == 3, "both messages go once the wait is over")
        }
    }

    @Test func retryAfterHTTPDateOn503() async throws {
        try await Harness.with(route: Self.route, outbox: Self.outbox) { h in
            // ManualClock starts at 2027-01-15T08:00:00Z.
            h.receiver.script(.tooManyRequests(retryAfter: "Fri, 15 Jan 2027 08:02:00 GMT", status: 503))
            try await Self.queueOne(h)
            let head = try #require(try await h.store.outboxMessages().first)
            #expect(head.nextAttemptAt == h.clock.now() + 2 * minute)
        }
    }

    @Test func parsesAllRetryAfterForms() {
        let now: Timestamp = 1_000
        #expect(RetryAfter.parse("120", now: now) == 121_000)
        let expected: Timestamp = 784_111_777_000
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: now) == expected)
        #expect(RetryAfter.parse("Sunday, 06-Nov-94 08:49:37 GMT", now: now) == expected)
        #expect(RetryAfter.parse("Sun Nov  6 08:49:37 1994", now: now) == expected)
        #expect(RetryAfter.parse("soon", now: now) == nil)
    }

    @Test func expiresToADeadLetterAfterTheTTL() async throws {
        try await Harness.with(route: Self.route, outbox: Self.outbox) { h in
            h.receiver.setBehavior(.fail(500))
            try await Self.queueOne(h)
            var guardCount = 0
            while try await !h.store.outboxMessages().isEmpty && guardCount < 100 {
                let next = try #require(try await h.store.outboxMessages().first).nextAttemptAt
                h.clock.set(to: next)
                try await h.deliverer.deliverDue()
                guardCount += 1
            }
            #expect(h.clock.now() - ManualClock().now() == 10 * minute, "dead-lettered exactly at the TTL")
            let dead = try await h.store.deadNotifications(limit: 10)
            #expect(dead.count == 1)
            #expect(dead[0].reason.contains("TTL"))
            #expect(dead[0].reason.contains("HTTP 500"))
            #expect(try await h.store.deadLetterCounts() == ["team/webhook[0]": 1])
        }
    }

    @Test func clientErrorIsDeadLetteredWithoutRetry() async throws {
        try await Harness.with(route: Self.route, outbox: Self.outbox) { h in
            h.receiver.script(.fail(400))
            try await Self.queueOne(h)
            #expect(h.receiver.requests.count == 1)
            #expect(try await h.store.outboxMessages().isEmpty)
            #expect(try await h.store.deadNotifications(limit: 1).first?.reason.hasPrefix("refused: HTTP 400") == true)
        }
    }

    @Test func stalledReceiverTimesOutAndIsRetried() async throws {
        try await Harness.with(
            route: Self.route,
            receivers: { receiver in
                [
                    ReceiverConfig(
                        name: "team",
                        integrations: [
                            .webhook(
                                WebhookConfig(
                                    endpoint: EndpointConfig(url: receiver.url("/hook"), timeout: .milliseconds(300))))
                        ])
                ]
            }, outbox: Self.outbox
        ) { h in
            h.receiver.script(.stall)
            try await Self.queueOne(h)
            let head = try #require(try await h.store.outboxMessages().first)
            #expect(head.attempts == 1)
            #expect(head.lastError?.contains("timed out") == true)
            try await h.advance(by: second)
            #expect(try await h.store.outboxMessages().isEmpty)
            #expect(h.receiver.requests.count == 2)
        }
    }

    @Test func redirectToAnotherHostIsNotFollowedButSameHostIs() async throws {
        try await Harness.with(
            route: RouteSpec(receiver: "team", groupBy: ["..."], groupWait: .zero), outbox: Self.outbox
        ) { h in
            h.receiver.script(.redirect(to: "http://evil.example.com/steal"), .redirect(to: "/moved"))
            let now = h.clock.now()
            try await h.dispatcher.send([alert("A", startsAt: now, endsAt: now + hour)])
            try await h.advance(by: 0)
            #expect(try await h.store.deadNotifications(limit: 1).first?.reason.contains("another host") == true)
            try await h.dispatcher.send([alert("B", startsAt: now, endsAt: now + hour)])
            try await h.advance(by: 0)
            #expect(h.receiver.requests.map(\.uri) == ["/hook", "/hook", "/moved"])
            #expect(try await h.store.outboxMessages().isEmpty)
        }
    }

    @Test func onlyHTTPAndHTTPSURLsAreAccepted() throws {
        #expect(throws: InfermonError.self) { try EndpointURL(parsing: "file:///etc/passwd") }
        #expect(throws: InfermonError.self) { try EndpointURL(parsing: "ftp://host/x") }
        #expect(throws: InfermonError.self) { try EndpointURL(parsing: "http:///nohost") }
        #expect(throws: InfermonError.self) { try EndpointURL(parsing: "https://user:pw@host/x") }
        #expect(try EndpointURL(parsing: "https://hooks.slack.com/services/T/B/x").host == "hooks.slack.com")
        #expect(
            try EndpointURL(parsing: "http://[::1]:9093").appendingPath("/api/v2/alerts").text
                == "http://[::1]:9093/api/v2/alerts")
    }

    @Test func unknownIntegrationIsDeadLettered() async throws {
        let store = InMemoryNotificationStore()
        let now = ManualClock().now()
        try await store.enqueue(
            [
                OutboxMessage(
                    id: "msg_1", integration: "gone/webhook[0]", groupKey: "{}:{}", body: [], createdAt: now,
                    expiresAt: now + hour)
            ],
            log: [])
        try await Harness.with(store: store) { h in
            try await h.deliverer.deliverDue()
            #expect(try await store.deadNotifications(limit: 1).first?.reason.contains("no longer configured") == true)
        }
    }
}
