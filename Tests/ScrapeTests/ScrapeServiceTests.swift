import InfermonCore
import InfermonTesting
import Logging
import Scrape
import Store
import Synchronization
import Testing

/// The scrape service end to end: real HTTP servers on 127.0.0.1 serving a
/// vLLM-shaped page, a real SQLite store file, and a manual clock that decides
/// when each scrape happens.
@Suite("Scrape service")
struct ScrapeServiceTests {
    static let start: Timestamp = 1_800_000_000_000

    /// Collects the service's scrape reports so a test can wait for the next ones.
    final class Reports: Sendable {
        let stream: AsyncStream<ScrapeReport>
        let continuation: AsyncStream<ScrapeReport>.Continuation
        init() { (stream, continuation) = AsyncStream.makeStream() }
        var observer: ScrapeService.Observer { { [continuation] in continuation.yield($0) } }
    }

    struct Harness {
        let directory: TemporaryDirectory
        let clock = ManualClock(now: ScrapeServiceTests.start)
        let store: SQLiteStore
        let reports = Reports()
        var iterator: AsyncStream<ScrapeReport>.Iterator

        init() throws {
            directory = try TemporaryDirectory()
            store = try SQLiteStore(path: directory.file("scrape.db"), clock: clock, logger: Logger(label: "test"))
            iterator = reports.stream.makeAsyncIterator()
        }

        /// The next `count` reports, by target address.
        mutating func next(_ count: Int) async throws -> [String: ScrapeReport] {
            var result: [String: ScrapeReport] = [:]
            while result.count < count {
                let report = try #require(await iterator.next())
                result[report.target.address] = report
            }
            return result
        }

        func samples(_ name: String, _ matchers: [LabelMatcher] = []) throws -> [Series] {
            try store.select([.equal("__name__", name)] + matchers, from: 0, through: .max)
        }
    }

    static let waitingLine = #"vllm:num_requests_waiting{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 3.0"#

    @Test func vllmTargetIsStoredAndAVanishingTargetGoesDownAndStale() async throws {
        var harness = try Harness()
        let page = Mutex(try vllmPage())
        let vllm = try await TestHTTPServer.start { request in
            request.path == "/metrics"
                ? .page(page.withLock { $0 }) : .respond(status: 404)
        }
        let exporter = try await TestHTTPServer.start { _ in
            .page("# TYPE gpu_temperature_celsius gauge\ngpu_temperature_celsius{gpu=\"0\"} 61\n")
        }
        defer {
            vllm.stop()
            exporter.stop()
        }
        let vllmTarget = ScrapeTarget(job: "vllm", address: vllm.address, interval: .seconds(5), timeout: .seconds(4))
        let exporterTarget = ScrapeTarget(
            job: "gpu", address: exporter.address, interval: .seconds(5), timeout: .seconds(4))
        let service = ScrapeService(
            targets: [vllmTarget, exporterTarget], appender: harness.store, clock: harness.clock,
            logger: Logger(label: "scrape"), observer: harness.reports.observer)
        let running = Task { try await service.run() }

        // Scrape 1, at once on start.
        let first = try await harness.next(2)
        #expect(first[vllm.address]?.up == true && first[exporter.address]?.up == true)
        let expectedSamples = try vllmPage().split(separator: "\n").filter {
            !$0.hasPrefix("#") && !$0.contains("_created")
        }.count
        #expect(first[vllm.address]?.samplesScraped == expectedSamples)
        let vllmLabels: [LabelMatcher] = [.equal("job", "vllm"), .equal("instance", vllm.address)]
        let waiting = try harness.samples("vllm:num_requests_waiting", vllmLabels)
        #expect(waiting.count == 1)
        #expect(waiting.first?.labels["model_name"] == "meta-llama/Llama-3.1-8B-Instruct")
        #expect(waiting.first?.samples == [Sample(Self.start, 3)])
        let ttftBuckets = try harness.samples("vllm:time_to_first_token_seconds_bucket", vllmLabels)
        #expect(ttftBuckets.count == 23)
        #expect(try harness.samples("vllm:prompt_tokens_created").isEmpty)
        #expect(try harness.samples("up", vllmLabels).first?.samples == [Sample(Self.start, 1)])
        #expect(
            try harness.samples("scrape_samples_scraped", vllmLabels).first?.samples == [
                Sample(Self.start, Double(expectedSamples))
            ])
        #expect(
            try harness.samples("gpu_temperature_celsius").first?.labels
                == Labels(name: "gpu_temperature_celsius", ["gpu": "0", "job": "gpu", "instance": exporter.address]))

        // Scrape 2: the queue drains and vLLM stops exposing the gauge; the KV cache fills.
        page.withLock { text in
            text = text.replacingLine(Self.waitingLine, with: nil)
                .replacingLine(
                    #"vllm:kv_cache_usage_perc{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.4172"#,
                    with: #"vllm:kv_cache_usage_perc{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.93"#)
        }
        harness.clock.advance(by: 5000)
        let second = try await harness.next(2)
        #expect(second[vllm.address]?.staleMarkers == 1)
        let waitingAfter = try #require(try harness.samples("vllm:num_requests_waiting", vllmLabels).first)
        #expect(waitingAfter.samples.count == 2)
        #expect(waitingAfter.samples.last?.timestamp == Self.start + 5000)
        #expect(waitingAfter.samples.last?.isStaleMarker == true)
        #expect(
            try harness.samples("vllm:kv_cache_usage_perc", vllmLabels).first?.samples.map(\.value) == [0.4172, 0.93])

        // Scrape 3: the exporter goes away (connection refused).
        await exporter.stopAndWait()
        harness.clock.advance(by: 5000)
        let third = try await harness.next(2)
        let down = try #require(third[exporter.address])
        #expect(!down.up && down.error != nil && down.staleMarkers == 1)
        let exporterLabels: [LabelMatcher] = [.equal("job", "gpu")]
        #expect(try harness.samples("up", exporterLabels).first?.samples.map(\.value) == [1, 1, 0])
        let temperature = try #require(try harness.samples("gpu_temperature_celsius").first)
        #expect(temperature.samples.map(\.timestamp) == [Self.start, Self.start + 5000, Self.start + 10_000])
        #expect(temperature.samples.last?.isStaleMarker == true)
        #expect(third[vllm.address]?.up == true)

        // The exporter is removed from the configuration: its report series go stale too.
        harness.clock.advance(by: 1000)
        await service.update(targets: [vllmTarget])
        #expect(await service.targets == [vllmTarget])
        let up = try #require(try harness.samples("up", exporterLabels).first)
        #expect(up.samples.last?.isStaleMarker == true && up.samples.last?.timestamp == Self.start + 11_000)
        #expect(
            try harness.samples("scrape_duration_seconds", exporterLabels).first?.samples.last?.isStaleMarker == true)

        // A reload that only changes the interval continues the vLLM series without a stale marker.
        var faster = vllmTarget
        faster.interval = .seconds(2)
        faster.timeout = .seconds(1)
        await service.update(targets: [faster])
        let afterReload = try await harness.next(1)
        #expect(afterReload[vllm.address]?.target.interval == .seconds(2))
        #expect(afterReload[vllm.address]?.staleMarkers == 0)
        let kv = try #require(try harness.samples("vllm:kv_cache_usage_perc", vllmLabels).first)
        #expect(!kv.samples.contains { $0.isStaleMarker })
        #expect(kv.samples.last?.timestamp == Self.start + 11_000)
        harness.clock.advance(by: 2000)
        #expect(try await harness.next(1)[vllm.address]?.timestamp == Self.start + 13_000)

        running.cancel()
        _ = await running.result
        harness.store.close()
    }

    @Test func targetsGivenBeforeRunAreScrapedAndAnUnrunServiceHoldsNothing() async throws {
        var harness = try Harness()
        let server = try await TestHTTPServer.start { _ in .page("late_metric 1\n") }
        defer { server.stop() }
        do {
            // Built, updated and dropped without running: no HTTP client to shut down.
            let unused = ScrapeService(targets: [], appender: harness.store, logger: Logger(label: "scrape"))
            await unused.update(targets: [ScrapeTarget(job: "never", address: server.address)])
        }
        let service = ScrapeService(
            targets: [], appender: harness.store, clock: harness.clock, logger: Logger(label: "scrape"),
            observer: harness.reports.observer)
        await service.update(targets: [ScrapeTarget(job: "late", address: server.address)])
        let running = Task { try await service.run() }
        #expect(try await harness.next(1)[server.address]?.up == true)
        #expect(try harness.samples("late_metric").first?.labels["job"] == "late")
        #expect(server.requestCount == 1, "the unused service never scraped")
        running.cancel()
        _ = await running.result
        harness.store.close()
    }

    @Test func httpErrorsTimeoutsAndBearerTokens() async throws {
        var harness = try Harness()
        let token = harness.directory.file("token")
        try TestFiles.append("s3cret-token\n", to: token)
        let seen = Mutex<[String]>([])
        let secured = try await TestHTTPServer.start { request in
            seen.withLock { $0.append(request.headers["authorization"] ?? "") }
            return request.headers["authorization"] == "Bearer s3cret-token"
                ? .page("ok_metric 1\n") : .respond(status: 401, body: Array("no".utf8))
        }
        let failing = try await TestHTTPServer.start { _ in
            .respond(status: 503, headers: [("Content-Type", "text/plain")])
        }
        let hung = try await TestHTTPServer.start { _ in .hang }
        let garbled = try await TestHTTPServer.start { _ in .page("this is not { a metrics page\n") }
        defer { [secured, failing, hung, garbled].forEach { $0.stop() } }
        let targets = [
            ScrapeTarget(job: "secured", address: secured.address, bearerTokenFile: token),
            ScrapeTarget(job: "failing", address: failing.address),
            ScrapeTarget(job: "hung", address: hung.address, interval: .seconds(10), timeout: .milliseconds(300)),
            ScrapeTarget(job: "garbled", address: garbled.address),
        ]
        let service = ScrapeService(
            targets: targets, appender: harness.store, clock: harness.clock, logger: Logger(label: "scrape"),
            observer: harness.reports.observer)
        let running = Task { try await service.run() }
        let reports = try await harness.next(4)

        #expect(reports[secured.address]?.up == true)
        #expect(seen.withLock { $0 } == ["Bearer s3cret-token"])
        #expect(try harness.samples("ok_metric").first?.samples == [Sample(Self.start, 1)])
        #expect(reports[failing.address]?.error?.contains("503") == true)
        let timedOut = try #require(reports[hung.address])
        #expect(!timedOut.up)
        // The target never answers, so the scrape ended only because the 300 ms timeout
        // did (the client's deadline or the guard's, whichever ran first). No upper
        // bound on the duration: on a starved machine the wake-up itself can be late.
        #expect(timedOut.durationSeconds >= 0.3)
        let reason = timedOut.error ?? ""
        #expect(reason.contains("deadlineExceeded") || reason.contains("within 0.3s"), "\(reason)")
        #expect(reports[garbled.address]?.error?.contains("line 1") == true)
        for job in ["failing", "hung", "garbled"] {
            #expect(try harness.samples("up", [.equal("job", job)]).first?.samples == [Sample(Self.start, 0)], "\(job)")
        }
        running.cancel()
        _ = await running.result
        harness.store.close()
    }
}

extension String {
    /// The text with one whole line replaced (or removed when `with` is nil).
    func replacingLine(_ line: String, with replacement: String?) -> String {
        split(separator: "\n", omittingEmptySubsequences: false).compactMap { current in
            current == line ? replacement : String(current)
        }.joined(separator: "\n")
    }
}
