import InfermonCore
import InfermonTesting
import Logging
import Store
import Synchronization
import Testing

@testable import RemoteWrite

/// The sender against a real HTTP receiver on loopback and a real store, with
/// time moved by hand.
@Suite("RemoteWrite service")
struct RemoteWriteServiceTests {
    final class Events: Sendable {
        let list = Mutex<[RemoteWriteEvent]>([])
        func record(_ event: RemoteWriteEvent) { list.withLock { $0.append(event) } }
        func sum(_ pick: (RemoteWriteEvent) -> Int?) -> Int { list.withLock { $0.compactMap(pick).reduce(0, +) } }
    }

    struct Fixture {
        let directory: TemporaryDirectory
        let clock: ManualClock
        let store: SQLiteStore
        let receiver: RecordingReceiver
        let events = Events()

        init() async throws {
            directory = try TemporaryDirectory()
            clock = ManualClock(now: 1_800_000_000_000)
            store = try SQLiteStore(
                path: directory.file("s.db"), options: StoreOptions(rollupInterval: .seconds(1)), clock: clock,
                logger: Logger(label: "t"))
            receiver = try await RecordingReceiver.start()
        }

        func endpoint(maxSamplesPerSend: Int = 2000) -> RemoteWriteEndpoint {
            var endpoint = RemoteWriteEndpoint(url: receiver.url("/api/v1/write"), name: "test")
            endpoint.queue.delay = .zero
            endpoint.queue.sendInterval = .seconds(1)
            endpoint.queue.maxSamplesPerSend = maxSamplesPerSend
            endpoint.externalLabels = Labels(["replica": "a", "job": "external"])
            endpoint.relabel = [
                WriteRelabelRule(action: .drop, sourceLabels: ["__name__"], regex: try! AnchoredRegex("dropped_.*"))
            ]
            return endpoint
        }

        func service(_ endpoint: RemoteWriteEndpoint) -> RemoteWriteService {
            RemoteWriteService(
                config: RemoteWriteConfig(endpoints: [endpoint]), querier: store, queue: store, step: 1000,
                clock: clock, userAgent: "infermon/test", logger: Logger(label: "t"), observer: events.record)
        }

        /// Moves time in small steps, each once the service sleeps again, until `done`.
        func drive(by step: Int64 = 10, until done: () async throws -> Bool) async throws {
            for _ in 0..<5000 {
                if try await done() { return }
                await clock.waitForSleepers()
                clock.advance(by: step)
            }
            Issue.record("condition not reached")
        }

        func decoded() throws -> [Series] {
            try receiver.requests.flatMap { try WriteRequestDecoder.decode(Snappy.decompress($0.body)) }
        }

        func close() async throws {
            try await receiver.stop()
            store.close()
        }
    }

    @Test func sendsClosedIntervalsWithHeadersExternalLabelsAndRelabelling() async throws {
        let fixture = try await Fixture()
        let t0 = fixture.clock.now()
        let task = Task { try await fixture.service(fixture.endpoint(maxSamplesPerSend: 2)).run() }
        // The first pass sets the cursor to the present.
        try await fixture.drive { try await fixture.store.remoteWriteCursor(endpoint: "test") == t0 }
        try await fixture.store.append([
            (Labels(name: "score", ["job": "own"]), Sample(t0 + 100, 1)),
            (Labels(name: "score", ["job": "own"]), Sample(t0 + 500, 2)),
            (Labels(name: "score", ["job": "own"]), Sample(t0 + 900, 3)),
            (Labels(name: "dropped_series"), Sample(t0 + 200, 9)),
            // In the interval still open when the first one is read: goes with the next.
            (Labels(name: "score", ["job": "own"]), Sample(t0 + 1200, 4)),
        ])
        try await fixture.drive { fixture.receiver.requests.count >= 3 }
        let request = fixture.receiver.requests[0]
        #expect(request.method == "POST" && request.uri == "/api/v1/write")
        #expect(request.header("Content-Encoding") == "snappy")
        #expect(request.header("Content-Type") == "application/x-protobuf")
        #expect(request.header("X-Prometheus-Remote-Write-Version") == "0.1.0")
        #expect(request.header("User-Agent") == "infermon/test")
        let series = try fixture.decoded()
        // The series' own job wins over the external one; replica is added.
        #expect(Set(series.map(\.labels)) == [Labels(name: "score", ["job": "own", "replica": "a"])])
        #expect(
            series.flatMap(\.samples) == [
                Sample(t0 + 100, 1), Sample(t0 + 500, 2), Sample(t0 + 900, 3), Sample(t0 + 1200, 4),
            ])
        #expect(fixture.events.sum { if case .sent(_, _, let n, _, _, _) = $0 { n } else { nil } } == 4)
        try await fixture.drive { try await fixture.store.pendingRemoteWriteSamples(endpoint: "test") == 0 }
        task.cancel()
        _ = try? await task.value
        try await fixture.close()
    }

    /// 5xx and 429 are retried with backoff (Retry-After honoured), other 4xx
    /// drop the batch and count its samples as failed; order is kept.
    @Test func retriesServerErrorsHonoursRetryAfterAndDropsRefusedBatches() async throws {
        let fixture = try await Fixture()
        let t0 = fixture.clock.now()
        fixture.receiver.script(.fail(503), .tooManyRequests(retryAfter: "3"), .fail(400))
        let task = Task { try await fixture.service(fixture.endpoint(maxSamplesPerSend: 1)).run() }
        try await fixture.drive { try await fixture.store.remoteWriteCursor(endpoint: "test") == t0 }
        try await fixture.store.append([
            (Labels(name: "a"), Sample(t0 + 100, 1)), (Labels(name: "b"), Sample(t0 + 200, 2)),
        ])
        try await fixture.drive { fixture.receiver.requests.count >= 2 }
        // Retry-After: 3 holds the next attempt back 3 s, far beyond the backoff.
        let afterTooMany = fixture.clock.now()
        try await fixture.drive(by: 100) { fixture.clock.now() >= afterTooMany + 2800 }
        #expect(fixture.receiver.requests.count == 2)
        try await fixture.drive { fixture.receiver.requests.count >= 4 }
        let bodies = fixture.receiver.requests.map(\.body)
        #expect(bodies[0] == bodies[1] && bodies[1] == bodies[2])  // the same batch, the same bytes
        let delivered = try WriteRequestDecoder.decode(Snappy.decompress(bodies[3]))
        #expect(delivered.map(\.labels.name) == ["b"])
        #expect(fixture.events.sum { if case .retried(_, _, let n) = $0 { n } else { nil } } == 2)
        #expect(fixture.events.sum { if case .failed(_, _, let n) = $0 { n } else { nil } } == 1)
        #expect(fixture.events.sum { if case .sent(_, _, let n, _, _, _) = $0 { n } else { nil } } == 1)
        task.cancel()
        _ = try? await task.value
        try await fixture.close()
    }

    /// A receiver that is down gets everything once back, from a new service
    /// on the same store (a restart): the queue and cursor are durable.
    @Test func backlogSurvivesARestartAndArrivesComplete() async throws {
        let fixture = try await Fixture()
        let t0 = fixture.clock.now()
        fixture.receiver.setBehavior(.fail(502))
        var task = Task { try await fixture.service(fixture.endpoint(maxSamplesPerSend: 3)).run() }
        try await fixture.drive { try await fixture.store.remoteWriteCursor(endpoint: "test") == t0 }
        var appended: [Sample] = []
        for second in 0..<10 {
            let sample = Sample(t0 + Int64(second) * 1000 + 500, Double(second))
            appended.append(sample)
            try await fixture.store.append([(Labels(name: "s"), sample)])
            try await fixture.drive(by: 100) { fixture.clock.now() >= sample.timestamp + 600 }
        }
        task.cancel()
        _ = try? await task.value
        #expect(try await fixture.store.pendingRemoteWriteSamples(endpoint: "test") == 10)
        let failedAttempts = fixture.receiver.requests.count
        fixture.receiver.setBehavior(.ok)
        task = Task { try await fixture.service(fixture.endpoint(maxSamplesPerSend: 3)).run() }
        try await fixture.drive { try await fixture.store.pendingRemoteWriteSamples(endpoint: "test") == 0 }
        let okBodies = fixture.receiver.requests.dropFirst(failedAttempts)
        #expect(okBodies.count == 10, "one batch per interval, each sent once")
        let delivered = try okBodies.flatMap { try WriteRequestDecoder.decode(Snappy.decompress($0.body)) }
        #expect(delivered.flatMap(\.samples) == appended)
        task.cancel()
        _ = try? await task.value
        try await fixture.close()
    }
}
