import Foundation
import InfermonCore
import InfermonTesting
import Logging
import Notify
import Store
import Testing

/// Restarts at the library level: a new dispatcher and deliverer over the same
/// SQLite file carry on where the old ones stopped.
@Suite struct RestartTests {
    static let route = RouteSpec(
        receiver: "team", groupBy: ["alertname"], groupWait: .seconds(30), groupInterval: .seconds(5 * 60),
        repeatInterval: .seconds(4 * 3600))

    static func temporaryDatabase() -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "infermon-notify-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent("infermon.db").path
    }

    static func openStore(_ path: String, clock: ManualClock) throws -> SQLiteStore {
        var logger = Logger(label: "store")
        logger.logLevel = .critical
        return try SQLiteStore(path: path, clock: clock, logger: logger)
    }

    @Test func queuedNotificationsSurviveARestartWithTheirIDs() async throws {
        let path = Self.temporaryDatabase()
        let clock = ManualClock()
        let receiver = try await RecordingReceiver.start()
        receiver.setBehavior(.fail(503))
        let first = try Self.openStore(path, clock: clock)
        try await Harness.with(route: Self.route, store: first, clock: clock, receiver: receiver) { h in
            let now = clock.now()
            try await h.dispatcher.send([
                alert("Down", ["instance": "a"], startsAt: now, endsAt: now + hour),
                alert("Slow", ["instance": "b"], startsAt: now, endsAt: now + hour),
            ])
            try await h.advance(by: 30 * second)
        }
        first.close()
        let failedIDs = receiver.requests.map { $0.header("webhook-id") ?? "" }
        #expect(failedIDs.count == 1, "one integration sends one message at a time")

        receiver.setBehavior(.ok)
        let reopened = try Self.openStore(path, clock: clock)
        try await Harness.with(route: Self.route, store: reopened, clock: clock, receiver: receiver) { h in
            try await h.dispatcher.restore()
            let queued = try await reopened.outboxMessages()
            #expect(queued.count == 2)
            clock.advance(by: 10 * second)
            try await h.deliverer.deliverDue()
            #expect(try await reopened.outboxMessages().isEmpty)
            // Nothing new to say after the restart: the log remembers what was queued.
            try await h.advance(by: 30 * second)
            try await h.advance(by: 5 * minute)
        }
        reopened.close()
        let requests = receiver.requests
        let ids = requests.map { $0.header("webhook-id") ?? "" }
        #expect(requests.count == 3)
        #expect(ids[1] == failedIDs[0], "the retried message keeps its webhook-id")
        #expect(Set(ids).count == 2, "two notifications, one duplicate id from the retry")
        let names = try requests.dropFirst().map { alertStates(try jsonObject($0.body)) }
        #expect(Set(names.flatMap { $0 }) == ["Down/a:firing", "Slow/b:firing"])
        try await receiver.stop()
    }

    @Test func restartNeitherResendsNorForgetsTheResolve() async throws {
        let path = Self.temporaryDatabase()
        let clock = ManualClock()
        let receiver = try await RecordingReceiver.start()
        let t0 = clock.now()
        let firing = alert("Down", startsAt: t0, endsAt: t0 + 10 * minute)
        let first = try Self.openStore(path, clock: clock)
        try await Harness.with(route: Self.route, store: first, clock: clock, receiver: receiver) { h in
            try await h.dispatcher.send([firing])
            try await h.advance(by: 30 * second)
        }
        first.close()
        #expect(receiver.requests.count == 1)

        // Restarted 2 minutes later; the rule engine re-sends the alert as firing.
        clock.advance(by: 2 * minute)
        let reopened = try Self.openStore(path, clock: clock)
        try await Harness.with(route: Self.route, store: reopened, clock: clock, receiver: receiver) { h in
            try await h.dispatcher.restore()
            var refreshed = firing
            refreshed.endsAt = clock.now() + 10 * minute
            try await h.dispatcher.send([refreshed])
            try await h.advance(by: 30 * second)
            try await h.advance(by: 5 * minute)
            #expect(receiver.requests.count == 1, "no storm after a restart")
        }
        reopened.close()

        // Restarted again after the rule engine stopped reporting it: restore
        // brings it back, and it resolves when its time is up.
        clock.advance(by: 30 * minute)
        let third = try Self.openStore(path, clock: clock)
        try await Harness.with(route: Self.route, store: third, clock: clock, receiver: receiver) { h in
            try await h.dispatcher.restore()
            try await h.advance(by: 0)
            #expect(receiver.requests.count == 1)
            for _ in 0..<3 { try await h.advance(by: 5 * minute) }
        }
        third.close()
        try #require(receiver.requests.count == 2)
        #expect(alertStates(try jsonObject(receiver.requests[1].body)) == ["Down:resolved"])
        try await receiver.stop()
    }

    @Test func storeKeepsSilencesAndTheLogAcrossReopen() async throws {
        let path = Self.temporaryDatabase()
        let clock = ManualClock()
        let store = try Self.openStore(path, clock: clock)
        let silences = Silences(store: store, clock: clock)
        let created = try await silences.create(
            matchers: [.equal("alertname", "X"), try LabelMatcher(parsing: #"model=~"a\"b|c""#)],
            endsAt: clock.now() + hour, createdBy: "alice", comment: "quote \" and newline\n")
        let now = clock.now()
        let logged = alert("Logged", ["k": "v"], startsAt: now, endsAt: now + hour, annotations: ["summary": "s"])
        try await store.enqueue(
            [],
            log: [
                NotificationLogEntry(
                    groupKey: "{}:{}", integration: "r/webhook[0]", sentAt: now, firing: [logged], resolved: [1, 99])
            ])
        store.close()
        let again = try Self.openStore(path, clock: clock)
        #expect(try await again.silences() == [created])
        let entries = try await again.notificationLog()
        #expect(
            entries == [
                NotificationLogEntry(
                    groupKey: "{}:{}", integration: "r/webhook[0]", sentAt: now, firing: [logged], resolved: [1, 99])
            ])
        #expect(try await again.pruneNotificationLog(sentBefore: now + 1) == 1)
        again.close()
    }
}
