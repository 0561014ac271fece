import InfermonCore
import InfermonTesting
import Logging
import PostgresStore
import Query
import Store
import Testing

/// The PostgreSQL store against a private PostgreSQL 15 started for the suite:
/// several writers into one database answer PromQL exactly as one SQLite store
/// holding the same events does.
@Suite("PostgreSQL store", .serialized)
struct PostgresStoreTests {
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000
    /// Data is stamped relative to now (minute-aligned), never to a fixed date.
    static let now: Timestamp = {
        let wall = SystemWallClock().now()
        return wall - wall % minute
    }()

    static func settings(_ server: PostgresProcess) throws -> PostgresSettings {
        var settings = try PostgresSettings(url: server.url)
        settings.passwordFile = server.passwordFile
        return settings
    }

    /// Seeded traffic over two hours: three models, tenants and statuses, a few
    /// events arriving late (after later intervals were written), pushed
    /// events with request ids, some of them retried.
    static func traffic(seed: UInt64, count: Int, start: Timestamp) -> [[InferenceEvent]] {
        var random = SeededGenerator(seed: seed)
        var events: [InferenceEvent] = []
        for index in 0..<count {
            let timestamp = start + Int64(index) * (2 * hour) / Int64(count) + Int64.random(in: 0..<500, using: &random)
            let model = ["gpt-a", "gpt-b", "llama"][Int.random(in: 0..<3, using: &random)]
            let failed = Double.random(in: 0..<1, using: &random) < 0.07
            let latency = Double.random(in: 0.02..<1, using: &random) * (model == "llama" ? 4 : 1)
            events.append(
                InferenceEvent(
                    timestamp: timestamp, requestID: index % 5 == 0 ? "req-\(index)" : nil, model: model,
                    modelVersion: "v1", route: "/chat", tenant: ["acme", "globex"][index % 2],
                    status: failed ? .error : .ok, latency: latency, timeToFirstToken: latency / 5,
                    promptTokens: Int.random(in: 10..<900, using: &random),
                    completionTokens: Int.random(in: 1..<300, using: &random), cachedTokens: index % 3,
                    reasoningTokens: index % 7 == 0 ? 12 : nil, cost: Double(index % 13) * 0.0007,
                    streamed: index % 4 != 0, prompt: index % 50 == 0 ? "tab\there\nnew \\ line" : nil,
                    features: ["temperature": .number(Double(index % 10) / 10), "tier": .category("gold")]))
        }
        // Batches of 200 in time order, but every tenth batch holds back a few
        // events that then arrive two batches later (late events).
        var batches: [[InferenceEvent]] = stride(from: 0, to: events.count, by: 200).map {
            Array(events[$0..<min($0 + 200, events.count)])
        }
        for index in stride(from: 1, to: batches.count - 2, by: 10) {
            let held = batches[index].suffix(15)
            batches[index].removeLast(15)
            batches[index + 2] += held
        }
        return batches
    }

    /// Queries whose answers must be the same from both stores.
    static let queries = [
        "infermon_requests_total",
        "sum by (model) (rate(infermon_requests_total[5m]))",
        "sum by (model, status) (increase(infermon_requests_total[30m]))",
        "increase(infermon_tokens_total{type=\"input\"}[30m])",
        "sum(infermon_tokens_total) by (type)",
        "histogram_quantile(0.9, sum by (le, model) (rate(infermon_request_duration_seconds_bucket[10m])))",
        "sum by (model) (rate(infermon_time_to_first_token_seconds_sum[10m]))",
        "sum(infermon_cost_usd_total)",
        "quantile_over_time(0.5, infermon_request_duration_seconds{model=\"gpt-a\"}[15m])",
        "max_over_time(infermon_request_input_tokens{tenant=\"acme\"}[20m])",
        "sketch_quantile_over_time(0.99, infermon_request_duration_seconds[30m])",
        "sketch_quantile_over_time(0.5, infermon_request_output_tokens[1h], \"model\")",
        "max_over_time(infermon_drift_score[10m])",
        "count(infermon_request_duration_seconds_count)",
    ]

    @Test func threeWritersAnswerPromQLAsOneSQLiteStoreDoes() async throws {
        guard PostgresProcess.binDirectory != nil else {
            Issue.record(Comment(rawValue: PostgresProcess.notInstalled))
            return
        }
        let server = try await PostgresProcess(settings: ["fsync": "off"])
        let directory = try TemporaryDirectory()
        let clock = ManualClock(now: Self.now)
        let logger = Logger(label: "pg-test")
        let start = Self.now - 2 * Self.hour - 10 * Self.minute
        let batches = Self.traffic(seed: 20, count: 12_000, start: start)
        let scores = (0..<120).map { step in
            (
                labels: Labels(name: "infermon_drift_score", ["feature": "temperature", "test": "psi"]),
                sample: Sample(start + Int64(step) * Self.minute, Double(step % 17) / 10)
            )
        }

        let sqlite = try SQLiteStore(path: directory.file("one.db"), clock: clock, logger: logger)
        for batch in batches {
            var ingest = IngestBatch(events: batch)
            ingest.deduplicateByRequestID = true
            try sqlite.writeSynchronously(ingest)
        }
        // A retried push: the same events again, which both stores must drop.
        var retry = IngestBatch(events: batches[3])
        retry.deduplicateByRequestID = true
        try sqlite.writeSynchronously(retry)
        try await sqlite.append(scores)

        let settings = try Self.settings(server)
        var writers: [PostgresStore] = []
        for _ in 0..<3 {
            writers.append(try await PostgresStore.open(settings: settings, clock: clock, logger: logger))
        }
        // Each writer takes every third batch, all three at once: the same
        // label sets and intervals are counted by several writers.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (shard, writer) in writers.enumerated() {
                let mine = batches.enumerated().filter { $0.offset % 3 == shard }.map(\.element)
                group.addTask {
                    for batch in mine {
                        var ingest = IngestBatch(events: batch)
                        ingest.deduplicateByRequestID = true
                        do {
                            try await writer.write(ingest)
                        } catch {
                            Issue.record("write failed: \(String(reflecting: error))")
                            throw error
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        try await writers[1].write(retry)
        try await writers[2].append(scores)
        let postgres = writers[0]

        let stored = try postgres.eventCount()
        // The retry's events with request ids were dropped; those without are stored again, as by SQLite.
        let retried = batches[3].count(where: { $0.requestID == nil })
        #expect(stored == Int64(batches.joined().count + retried))
        #expect(try postgres.eventPartitions().count >= 1)

        let engine = QueryEngine()
        var compared = 0
        var times: [Timestamp] = []
        var time = start + 20 * Self.minute
        while time <= Self.now {
            times.append(time)
            time += 17 * Self.minute
        }
        for query in Self.queries {
            for time in times {
                let expected = try engine.instant(query, at: time, querier: sqlite, sketches: sqlite)
                let actual = try engine.instant(query, at: time, querier: postgres, sketches: postgres)
                #expect(Self.same(expected, actual), "\(query) at now-\((Self.now - time) / Self.minute)m")
                if case .vector(let samples) = expected, !samples.isEmpty { compared += 1 }
            }
            guard !query.contains("over_time(0") || query.hasPrefix("sketch") else { continue }
            let expected = try engine.range(
                query, start: start, end: Self.now, step: 5 * Self.minute, querier: sqlite, sketches: sqlite)
            let actual = try engine.range(
                query, start: start, end: Self.now, step: 5 * Self.minute, querier: postgres, sketches: postgres)
            #expect(Self.same(expected, actual), "range \(query)")
        }
        // Every query answered something at most times: an empty comparison proves nothing.
        #expect(compared > Self.queries.count * 5)
        let matchers: [LabelMatcher] = [.equal("tenant", "acme")]
        #expect(
            try sqlite.labelSets(matchers, from: start, through: Self.now)
                == postgres.labelSets(matchers, from: start, through: Self.now))
        for writer in writers { await writer.close() }
        try await server.stop()
    }

    @Test func retentionDropsWholeDayPartitions() async throws {
        guard PostgresProcess.binDirectory != nil else {
            Issue.record(Comment(rawValue: PostgresProcess.notInstalled))
            return
        }
        let server = try await PostgresProcess(settings: ["fsync": "off"])
        let day = 86_400_000 as Int64
        let today = Self.now - Self.now % day
        let clock = ManualClock(now: today + 12 * Self.hour)
        let options = StoreOptions(retention: RetentionPolicy(events: .milliseconds(day)))
        let store = try await PostgresStore.open(
            settings: try Self.settings(server), options: options, clock: clock, logger: Logger(label: "pg-test"))
        let events = (0..<4).flatMap { back in
            (0..<10).map { index in
                InferenceEvent(
                    timestamp: today - Int64(back) * day + Int64(index) * Self.hour, model: "m", latency: 0.1)
            }
        }
        try await store.write(IngestBatch(events: events))
        #expect(try store.eventPartitions().count == 4)
        let report = try await store.enforceRetention(now: clock.now())
        // Kept: today and yesterday (it ends after now - 1 day); gone: the two days before.
        #expect(report.droppedPartitions.count == 2)
        #expect(try store.eventPartitions().count == 2)
        #expect(try store.eventCount() == 20)
        // Rollups outlive the raw events: the counter still counts all 40.
        let series = try store.select(
            [.equal("__name__", "infermon_requests_total")], from: clock.now() - 5 * Self.minute,
            through: clock.now())
        #expect(series.first?.samples.last?.value == 40)
        await store.close()
        try await server.stop()
    }

    @Test func storageSectionChoosesPostgres() throws {
        let settings = try PostgresSettings(url: "postgres://ops:s%40cret@db.internal:6543/metrics?sslmode=require")
        #expect(settings.user == "ops" && settings.urlPassword == "s@cret")
        #expect(settings.host == "db.internal" && settings.port == 6543 && settings.database == "metrics")
        #expect(settings.tls == .require)
        let socket = try PostgresSettings(url: "postgresql:///infermon?host=/run/postgresql")
        #expect(socket.socketDirectory == "/run/postgresql" && socket.port == 5432)
        #expect(throws: InfermonError.self) { try PostgresSettings(url: "mysql://x") }
        #expect(throws: InfermonError.self) { try PostgresSettings(url: "postgres://h:99999/x") }
    }

    /// Same shape, labels and timestamps; values equal to 1e-9 relative (sums
    /// of the same doubles added in another order).
    static func same(_ a: QueryResult, _ b: QueryResult) -> Bool {
        func close(_ x: Double, _ y: Double) -> Bool {
            if x.isNaN || y.isNaN { return x.isNaN && y.isNaN }
            return abs(x - y) <= 1e-9 * max(1, abs(x), abs(y))
        }
        switch (a, b) {
        case (.vector(let x), .vector(let y)):
            return x.count == y.count
                && zip(x, y).allSatisfy {
                    $0.labels == $1.labels && $0.timestamp == $1.timestamp && close($0.value, $1.value)
                }
        case (.matrix(let x), .matrix(let y)):
            return x.count == y.count
                && zip(x, y).allSatisfy { s, t in
                    s.labels == t.labels && s.samples.count == t.samples.count
                        && zip(s.samples, t.samples).allSatisfy {
                            $0.timestamp == $1.timestamp && close($0.value, $1.value)
                        }
                }
        case (.scalar(let x), .scalar(let y)): return x.timestamp == y.timestamp && close(x.value, y.value)
        default: return false
        }
    }
}

/// SplitMix64: the same events on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
