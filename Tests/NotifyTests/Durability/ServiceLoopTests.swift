import InfermonCore
import InfermonTesting
import Logging
import Notify
import Testing

/// The service's own loops, on a manual clock: a new group wakes the
/// dispatcher, a queued message wakes the deliverer, and group_wait is slept
/// on the injected clock.
@Suite struct ServiceLoopTests {
    @Test func serviceDeliversOnItsOwnLoops() async throws {
        let receiver = try await RecordingReceiver.start()
        let clock = ManualClock()
        let store = InMemoryNotificationStore()
        var logger = Logger(label: "notify-service-test")
        logger.logLevel = .critical
        let configuration = NotifyConfiguration(
            route: RouteSpec(receiver: "team", groupBy: ["alertname"], groupWait: .seconds(30)),
            receivers: [webhookReceiver("team", receiver)])
        let service = try NotificationService(configuration: configuration, store: store, clock: clock, logger: logger)
        let running = Task { try await service.run() }

        let now = clock.now()
        try await service.sink.send([alert("Old", startsAt: now - hour, endsAt: now + hour)])
        #expect(
            await receiver.waitForRequests(1, timeout: .seconds(30)).count == 1, "an old alert goes out without waiting"
        )

        try await service.sink.send([alert("Fresh", startsAt: now, endsAt: now + hour)])
        await clock.waitForSleepers(1)
        #expect(receiver.requests.count == 1)
        clock.advance(by: 30 * second)
        #expect(await receiver.waitForRequests(2, timeout: .seconds(30)).count == 2)
        // The receiver answered; the deliverer removes the message right after.
        var spins = 0
        while try await !store.outboxMessages().isEmpty && spins < 100_000 {
            await Task.yield()
            spins += 1
        }
        #expect(try await store.outboxMessages().isEmpty)

        running.cancel()
        try await running.value
        try await receiver.stop()
    }
}
