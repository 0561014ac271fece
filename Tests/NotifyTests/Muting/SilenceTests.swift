import InfermonCore
import InfermonTesting
import Notify
import Testing

@Suite struct SilenceTests {
    static let route = RouteSpec(
        receiver: "team", groupBy: ["alertname"], groupWait: .zero, groupInterval: .seconds(60))

    @Test func silencedAlertIsNotSentAndIsSentWhenTheSilenceExpires() async throws {
        try await Harness.with(route: Self.route) { h in
            let now = h.clock.now()
            let silence = try await h.silences.create(
                matchers: [try LabelMatcher(parsing: "model=~\"gpt-4o.*\"")], endsAt: now + 10 * minute,
                createdBy: "alice", comment: "deploying")
            try await h.dispatcher.send([
                alert("HighLatency", ["model": "gpt-4o-mini"], startsAt: now, endsAt: now + hour),
                alert("HighLatency", ["model": "llama"], startsAt: now, endsAt: now + hour),
            ])
            try await h.advance(by: 0)
            try #require(h.receiver.requests.count == 1)
            #expect(alertStates(try jsonObject(h.receiver.requests[0].body)) == ["HighLatency:firing"])
            #expect(try await h.silences.silencing(Labels(["model": "gpt-4o-mini"])) == [silence.id])

            try await h.silences.expire(id: silence.id)
            try await h.advance(by: minute)
            try #require(h.receiver.requests.count == 2)
            #expect(alertStates(try jsonObject(h.receiver.requests[1].body)).count == 2)
        }
    }

    @Test func pendingSilenceStartsLaterAndListingFiltersByState() async throws {
        try await Harness.with(route: Self.route) { h in
            let now = h.clock.now()
            let later = try await h.silences.create(
                matchers: [.equal("alertname", "Noisy")], startsAt: now + 5 * minute, endsAt: now + 20 * minute,
                createdBy: "bob", comment: "maintenance window")
            #expect(try await h.silences.list(state: .pending).map(\.id) == [later.id])
            try await h.dispatcher.send([alert("Noisy", startsAt: now, endsAt: now + hour)])
            try await h.advance(by: 0)
            #expect(h.receiver.requests.count == 1, "not yet silenced")
            h.clock.advance(by: 5 * minute)
            #expect(try await h.silences.list(state: .active).map(\.id) == [later.id])
            try await h.dispatcher.send([alert("Noisy", ["instance": "2"], startsAt: h.clock.now(), endsAt: now + hour)]
            )
            try await h.advance(by: minute)
            #expect(h.receiver.requests.count == 1, "the new alert is silenced")
            let expired = try await h.silences.expire(id: later.id)
            #expect(expired.state(at: h.clock.now()) == .expired)
            #expect(try await h.silences.list(state: .expired).count == 1)
        }
    }

    @Test func rejectsSilencesThatWouldMuteEverything() async throws {
        let silences = Silences(store: InMemoryNotificationStore(), clock: ManualClock())
        let now = ManualClock().now()
        await #expect(throws: InfermonError.self) {
            try await silences.create(
                matchers: [try LabelMatcher(parsing: "job=~\".*\"")], endsAt: now + hour, createdBy: "a", comment: "c")
        }
        await #expect(throws: InfermonError.self) {
            try await silences.create(matchers: [.equal("job", "x")], endsAt: now + hour, createdBy: "a", comment: "")
        }
        await #expect(throws: InfermonError.self) {
            try await silences.expire(id: "no-such-id")
        }
    }
}
