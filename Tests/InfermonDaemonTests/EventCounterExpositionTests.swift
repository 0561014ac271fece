import Detectors
import InfermonCore
import InfermonTesting
import Logging
import PostgresStore
import Server
import Store
import Testing

/// `/metrics` writes the event families from each key's latest counters
/// (`EventCounterExposition`); the series path (`EventSeriesExposition.render`)
/// is its oracle: over real stores of many shapes both must give the same text,
/// byte for byte.
@Suite("Event counter exposition against the series path")
struct EventCounterExpositionTests {
    @Test(arguments: [15, 60])
    func latestCountersGiveTheSeriesPathsTextByteForByte(intervalSeconds: Int) async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(
            path: directory.file("s.db"), options: StoreOptions(rollupInterval: .seconds(intervalSeconds)),
            eventWriter: true, logger: Logger(label: "t"))
        defer { store.close() }
        let now = SystemWallClock().now()
        for batch in Self.traffic(now: now, interval: Int64(intervalSeconds) * 1_000, seed: UInt64(intervalSeconds)) {
            try await store.write(IngestBatch(events: batch))
        }
        try Self.expectSameText(store, now: now, interval: Int64(intervalSeconds) * 1_000)
    }

    @Test func latestCountersFromPostgreSQLGiveTheSeriesPathsText() async throws {
        guard PostgresProcess.binDirectory != nil else {
            Issue.record(Comment(rawValue: PostgresProcess.notInstalled))
            return
        }
        let server = try await PostgresProcess(settings: ["fsync": "off"])
        var settings = try PostgresSettings(url: server.url)
        settings.passwordFile = server.passwordFile
        let store = try await PostgresStore.open(settings: settings, logger: Logger(label: "t"))
        let now = SystemWallClock().now()
        for batch in Self.traffic(now: now, interval: 60_000, seed: 3) {
            try await store.write(IngestBatch(events: batch))
        }
        // The series path hands PostgreSQL's series over as one group sorted by
        // text, SQLite's a key at a time in label order: the same lines, in another order.
        try Self.expectSameText(store, now: now, interval: 60_000, sameOrder: false)
        await store.close()
        try await server.stop()
    }

    static func expectSameText(
        _ store: some LatestEventCountersReader & SeriesQuerier, now: Timestamp, interval: Int64, sameOrder: Bool = true
    ) throws {
        for at in [now, now - 30 * 60_000, now - interval / 2] {
            let fast = try EventCounterExposition.render(store, from: at - 60_000, through: at)
            let series = try EventSeriesExposition.render(querier: store, now: at)
            #expect(fast.contains("infermon_request_duration_seconds_bucket{"), "\(fast.prefix(500))")
            #expect(fast.contains(#"model="llama \"3\"""#))
            #expect(fast.contains(#"model="line\nbreak""#))
            if sameOrder {
                #expect(fast == series, "first difference: \(Self.firstDifference(fast, series))")
            } else {
                let (left, right) = (fast.split(separator: "\n").sorted(), series.split(separator: "\n").sorted())
                #expect(
                    left == right,
                    "first difference: \(Self.firstDifference(left.joined(separator: "\n"), right.joined(separator: "\n")))"
                )
            }
        }
    }

    /// 3,000 events in batches of 500, shuffled, so late events land in written
    /// and sealed intervals.
    static func traffic(now: Timestamp, interval: Int64, seed: UInt64) -> [[InferenceEvent]] {
        var random = SeededGenerator(seed: seed)
        // Label values that need escaping, empty ones (dropped), and keys that sort
        // on either side of `le` and `type`.
        let models = ["gpt", "llama \"3\"", "a\\b", "line\nbreak", "zz"]
        let tenants = ["", "acme", "t-1"]
        let routes = ["", "/v1/chat", "/v1/embed"]
        var events: [InferenceEvent] = []
        for index in 0..<3_000 {
            // Ages from three hours (sealed hours, quiet keys) to the last seconds;
            // some exactly on an interval's start, some a little in the future.
            var timestamp = now - Int64(random.next() % (3 * 3_600_000))
            switch index % 10 {
            case 0: timestamp = floorDivide(timestamp, interval) * interval
            case 1: timestamp = now - Int64(random.next() % 90_000)
            case 2: timestamp = now + Int64(random.next() % 5_000)
            case 3: timestamp = floorDivide(now, interval) * interval
            default: break
            }
            let model = models[Int(random.next() % UInt64(models.count))]
            let streamed = model != "zz" && random.next() % 2 == 0
            events.append(
                InferenceEvent(
                    timestamp: timestamp, requestID: "r\(index)", model: model,
                    modelVersion: random.next() % 4 == 0 ? "v2" : "",
                    route: routes[Int(random.next() % UInt64(routes.count))],
                    tenant: tenants[Int(random.next() % UInt64(tenants.count))],
                    status: random.next() % 7 == 0 ? .error : .ok,
                    latency: random.next() % 9 == 0 ? nil : Double(random.next() % 100_000) / 1_000,
                    timeToFirstToken: streamed ? Double(random.next() % 3_000) / 1_000 : nil,
                    promptTokens: Int(random.next() % 4_000), completionTokens: Int(random.next() % 500),
                    cachedTokens: random.next() % 3 == 0 ? Int(random.next() % 100) : nil,
                    cost: random.next() % 2 == 0 ? Double(random.next() % 10_000) / 1e6 : nil))
        }
        events.shuffle(using: &random)
        return stride(from: 0, to: events.count, by: 500).map { Array(events[$0..<min($0 + 500, events.count)]) }
    }

    @Test func anEmptyStoreExposesNoEventFamilies() throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.file("s.db"), eventWriter: true, logger: Logger(label: "t"))
        defer { store.close() }
        let now = SystemWallClock().now()
        #expect(try EventCounterExposition.render(store, from: now - 60_000, through: now) == "")
    }

    /// Whole numbers are written without a `String`; they must read as
    /// `formatValue` writes them, at the edges of that path too.
    @Test func valuesAreWrittenAsTheSeriesPathWritesThem() throws {
        let values: [Double] = [0, -0.0, 7, -3, 1e15 - 1, 1e15, 1e20, 0.25, -1.5, .nan, .infinity]
        let reader = FixedCounters(values: values)
        let text = try EventCounterExposition.render(reader, from: 0, through: 1)
        let written = text.split(separator: "\n").filter { $0.hasPrefix(EventMetrics.costTotal + "{") }
            .map { String($0.split(separator: " ")[1]) }
        #expect(written == values.map { $0.isNaN ? "NaN" : $0.isInfinite ? "+Inf" : formatJSONNumber($0) })
        #expect(written.prefix(5) == ["0", "0", "7", "-3", "999999999999999"])
    }

    static func firstDifference(_ left: String, _ right: String) -> String {
        let a = left.split(separator: "\n", omittingEmptySubsequences: false)
        let b = right.split(separator: "\n", omittingEmptySubsequences: false)
        for index in 0..<max(a.count, b.count) where index >= a.count || index >= b.count || a[index] != b[index] {
            return
                "line \(index): \(index < a.count ? String(a[index]) : "-") vs \(index < b.count ? String(b[index]) : "-")"
        }
        return "none"
    }
}

/// Keys whose cost is each of `values`, for checking how numbers are written.
private struct FixedCounters: LatestEventCountersReader {
    let values: [Double]

    func forEachLatestEventCounters(
        from: Timestamp, through: Timestamp, _ body: (LatestEventCounters) throws -> Void
    ) throws {
        for (index, value) in values.enumerated() {
            try body(
                LatestEventCounters(
                    labels: Labels(["model": "m\(index)"]), requests: 1,
                    latencyBuckets: Array(repeating: 0, count: EventMetrics.durationBuckets.count + 1),
                    latencySum: 0, latencyCount: 0,
                    ttftBuckets: Array(repeating: 0, count: EventMetrics.timeToFirstTokenBuckets.count + 1),
                    ttftSum: 0, ttftCount: 0, tokens: [0, 0, 0, 0], cost: value))
        }
    }
}
